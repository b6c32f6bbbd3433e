import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';
import { OTP_PATTERN } from '@app/domain';
import { IfPresent } from '../../common/if-present.js';

export class VerifyCodeDto {
  @ApiProperty({ example: '+79123456789' })
  @IsString()
  @MaxLength(32)
  phone_number: string;

  @ApiProperty({ example: '1234', description: 'The 4-digit code from the SMS.' })
  @IsString()
  @Matches(OTP_PATTERN, { message: 'code must be 4 digits' })
  code: string;

  @ApiPropertyOptional({
    example: 'Q3ZK7M',
    description: 'An invite code (the `ref` of an invite link), activated with the sign-in when it can be.',
  })
  @IfPresent()
  @IsString()
  @MaxLength(32)
  referral_code?: string;
}
