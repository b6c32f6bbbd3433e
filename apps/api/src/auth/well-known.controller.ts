import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AppConfig } from '@app/platform';
import { AccessTokens } from './access-tokens.js';

/** How long a verifier may keep the key set: a key is published JWT_KEY_PUBLISH_SECONDS (600 by default) before it signs. */
const JWKS_MAX_AGE_SECONDS = 300;

class JwksDto {
  @ApiProperty({
    description: 'The public keys that verify access tokens now, and any published to sign next (RFC 7517).',
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    example: [
      {
        kty: 'OKP',
        crv: 'Ed25519',
        x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
        kid: 'q0b3…',
        alg: 'EdDSA',
        use: 'sig',
      },
    ],
  })
  keys: object[];
}

class OpenIdConfigurationDto {
  @ApiProperty({ example: 'referral-service', description: 'The `iss` of every access token (JWT_ISSUER).' })
  issuer: string;

  @ApiProperty({ example: 'https://app.example.com/.well-known/jwks.json' })
  jwks_uri: string;

  @ApiProperty({ example: ['EdDSA', 'ES256'] })
  id_token_signing_alg_values_supported: string[];

  @ApiProperty({ example: ['public'] })
  subject_types_supported: string[];

  @ApiProperty({ example: ['none'] })
  response_types_supported: string[];
}

/**
 * SPEC section 12: what a host service needs to verify access tokens with
 * nothing but an address: the key set (RFC 7517) and a minimal discovery
 * document naming the issuer and the key set's address, so standard libraries
 * (jose's createRemoteJWKSet, an API gateway's JWT plugin) find it.
 */
@ApiTags('auth')
@Controller('.well-known')
export class WellKnownController {
  constructor(
    private readonly accessTokens: AccessTokens,
    private readonly config: AppConfig,
  ) {}

  @Get('jwks.json')
  @Header('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
  @ApiOperation({
    summary: 'The keys that verify access tokens',
    description:
      'Verify the token’s signature with the key its `kid` names, then `iss`, `aud` and `exp`. ' +
      'A new key appears here before it signs; an old one leaves once its last token has expired.',
  })
  @ApiResponse({ status: 200, type: JwksDto })
  jwks(): Promise<JwksDto> {
    return this.accessTokens.publicKeys();
  }

  @Get('openid-configuration')
  @Header('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
  @ApiOperation({ summary: 'Where the keys are', description: 'A minimal OpenID discovery document.' })
  @ApiResponse({ status: 200, type: OpenIdConfigurationDto })
  openIdConfiguration(): OpenIdConfigurationDto {
    return {
      issuer: this.config.jwt.issuer,
      jwks_uri: `${this.config.http.publicUrl}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: ['EdDSA', 'ES256'],
      subject_types_supported: ['public'],
      response_types_supported: ['none'],
    };
  }
}
