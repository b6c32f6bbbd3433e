import { ApiProperty } from '@nestjs/swagger';
import type { IssuedTokens } from '../tokens.service.js';

export class TokenResponseDto {
  @ApiProperty({
    description:
      'JWT access token (EdDSA or ES256, its `kid` in /.well-known/jwks.json), valid for `expires_in` seconds.',
  })
  token: string;

  @ApiProperty({ example: 'Bearer' })
  token_type: 'Bearer';

  @ApiProperty({ example: 900 })
  expires_in: number;

  @ApiProperty({ description: 'Opaque; single use: every refresh returns a new one.' })
  refresh_token: string;

  @ApiProperty({ example: 'Q3ZK7M', description: 'The user’s own invite code.' })
  referral_code: string;

  @ApiProperty({ description: 'True when this sign-in created the user.' })
  is_new_user: boolean;

  static of(issued: IssuedTokens, referralCode: string, isNewUser: boolean): TokenResponseDto {
    return {
      token: issued.accessToken,
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
      refresh_token: issued.refreshToken,
      referral_code: referralCode,
      is_new_user: isNewUser,
    };
  }
}
