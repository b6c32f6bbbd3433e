import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, NotContains } from 'class-validator';
import { USERNAME_PATTERN, USERNAME_RULE } from '@app/domain';

export class CreateUserDto {
  @ApiProperty({ example: '+79123456789' })
  @IsString()
  @MaxLength(32)
  phone_number: string;

  @ApiPropertyOptional({ example: 'jhon', description: `${USERNAME_RULE}; generated when missing` })
  @IsOptional()
  @IsString()
  @Matches(USERNAME_PATTERN, { message: `username must be ${USERNAME_RULE}` })
  @Matches(/^(?!me$)/i, { message: 'username "me" is reserved' })
  @NotContains('\0')
  username?: string;
}
