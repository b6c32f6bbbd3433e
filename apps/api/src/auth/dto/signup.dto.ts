import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, NotContains } from 'class-validator';
import { USERNAME_PATTERN, USERNAME_RULE } from '@app/domain';

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
  @IsOptional()
  @IsString()
  @Matches(USERNAME_PATTERN, { message: `username must be ${USERNAME_RULE}` })
  @NotContains('\0')
  username?: string;
}
