import { ApiPropertyOptional } from '@nestjs/swagger';
import { TokenResponseDto } from '../../auth/dto/token-response.dto.js';
import { ReferralOutcomeDto } from '../../referral/dto/referral-outcome.dto.js';

/** A sign-in's tokens, and what became of the invite code sent with it. */
export class SignedInDto extends TokenResponseDto {
  @ApiPropertyOptional({
    type: ReferralOutcomeDto,
    description: 'Only when the request carried `referral_code`.',
  })
  referral?: ReferralOutcomeDto;
}
