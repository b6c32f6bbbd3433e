import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { USERNAME_RULE } from '@app/domain';
import { IfPresent } from '../../common/if-present.js';
import { IsUsername } from './username.js';

export class CreateUserDto {
  @ApiProperty({ example: '+79123456789' })
  @IsString()
  @MaxLength(32)
  phone_number: string;

  @ApiPropertyOptional({ example: 'jhon', description: `${USERNAME_RULE}; generated when missing` })
  @IfPresent()
  @IsUsername()
  username?: string;
}
