import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';
import { OTP_PATTERN } from '@app/domain';
import { IfPresent } from '../../common/if-present.js';

/** A device id as a client makes one: a UUID, or any 8-64 characters of the URL-safe alphabet. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

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

  @ApiPropertyOptional({
    example: 'b1f0c6c2-6a41-4d7e-9f0a-2b8a4f3c9e11',
    description:
      'An id the client keeps for its device (the page makes one and keeps it in localStorage): kept with the ' +
      'session, and compared with the inviter’s when a code is activated (a fraud signal). 8-64 letters, digits, - or _.',
  })
  @IfPresent()
  @IsString()
  @Matches(DEVICE_ID_PATTERN, { message: 'device_id must be 8-64 letters, digits, - or _' })
  device_id?: string;
}
