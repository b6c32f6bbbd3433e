import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { USERNAME_RULE } from '@app/domain';
import { IfPresent } from '../../common/if-present.js';
import { IsUsername } from '../../users/dto/username.js';

export class SignupDto {
  @ApiProperty({
    example: '+7 912 345-67-89',
    description:
      'A mobile number: international, with or without "+", or in the national format of DEFAULT_PHONE_REGION.',
  })
  @IsString()
  @MaxLength(32)
  phone_number: string;

  @ApiPropertyOptional({
    example: 'jhon',
    description: `Wanted username for a new user (${USERNAME_RULE}); ignored when the number already has a user.`,
  })
  @IfPresent()
  @IsUsername()
  username?: string;
}
