import { ApiProperty } from '@nestjs/swagger';
import { ErrorCode } from '@app/domain';

export const SIGN_IN_REFERRAL_ERRORS = [
  ErrorCode.REFERRAL_CODE_NOT_FOUND,
  ErrorCode.REFERRAL_SELF,
  ErrorCode.REFERRAL_CYCLE,
  ErrorCode.REFERRAL_ALREADY_ACTIVATED,
] as const;

/** What became of the invite code sent with a sign-in: never a reason to refuse the sign-in. */
export class ReferralOutcomeDto {
  @ApiProperty({ description: 'True when this sign-in activated the code.' })
  activated: boolean;

  @ApiProperty({
    // null among the values: OpenAPI 3.0 checks `enum` before `nullable`.
    enum: [...SIGN_IN_REFERRAL_ERRORS, null],
    nullable: true,
    type: String,
    description: 'Why it was not activated; null when it was.',
  })
  error: (typeof SIGN_IN_REFERRAL_ERRORS)[number] | null;
}
