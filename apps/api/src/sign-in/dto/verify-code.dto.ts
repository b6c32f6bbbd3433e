import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';
import { OTP_PATTERN } from '@app/domain';

export class VerifyCodeDto {
  @ApiProperty({ example: '+79123456789' })
  @IsString()
  @MaxLength(32)
  phone_number: string;

  @ApiProperty({ example: '1234', description: 'The 4-digit code from the SMS.' })
  @IsString()
  @Matches(OTP_PATTERN, { message: 'code must be 4 digits' })
  code: string;
}
