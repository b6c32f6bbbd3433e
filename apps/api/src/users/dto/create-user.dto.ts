import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { USERNAME_RULE } from '@app/domain';
import { IsUsername } from './username.js';

export class CreateUserDto {
  @ApiProperty({ example: '+79123456789' })
  @IsString()
  @MaxLength(32)
  phone_number: string;

  @ApiPropertyOptional({ example: 'jhon', description: `${USERNAME_RULE}; generated when missing` })
  @IsOptional()
  @IsUsername()
  username?: string;
}
