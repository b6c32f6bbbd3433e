import { Injectable } from '@nestjs/common';
import { createSigner, createVerifier, TokenError } from 'fast-jwt';
import { AppConfig } from '@app/domain';
import type { AccessTokenClaims, TokenHolder } from './auth-user.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** RFC 6750 section 2.1: the scheme is case-insensitive; the token is one b64token. */
const BEARER = /^Bearer +([\w.~+/-]+=*)$/i;

/**
 * Access tokens (fast-jwt): HS256 only (`alg: none` and every other algorithm
 * are refused), issuer, audience and expiry required and checked, read from the
 * Authorization header only (never from the query string). Whether the
 * session is still live is checked next, by JwtAuthGuard (or, for GET
 * /users/me/, inside the profile's own query).
 *
 * fast-jwt rather than jsonwebtoken behind passport-jwt: verifying a token
 * through passport, passport-jwt and jsonwebtoken's streams was a tenth of the
 * API's CPU on the profile read (bench a, issue 17).
 */
@Injectable()
export class AccessTokens {
  private readonly signer: (claims: AccessTokenClaims) => string;
  private readonly verifier: (token: string) => Partial<AccessTokenClaims>;

  constructor(config: AppConfig) {
    const key = Buffer.from(config.jwt.secret);
    const { issuer, audience, accessTtlSeconds } = config.jwt;
    this.signer = createSigner({
      key,
      algorithm: 'HS256',
      iss: issuer,
      aud: audience,
      expiresIn: accessTtlSeconds * 1000,
    });
    this.verifier = createVerifier({
      key,
      algorithms: ['HS256'],
      allowedIss: issuer,
      allowedAud: audience,
      requiredClaims: ['exp', 'iss', 'aud'],
    });
  }

  sign(userId: string, sessionId: string): string {
    return this.signer({ sub: userId, sid: sessionId });
  }

  /** The holder of the request's bearer token; null when there is none, or it is not one of ours and valid. */
  holderOf(authorization: string | undefined): TokenHolder | null {
    const token = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
    if (token === undefined) return null;
    let claims: Partial<AccessTokenClaims>;
    try {
      claims = this.verifier(token);
    } catch (error) {
      // A refused token is the caller's; anything else is ours and stays a 5xx.
      if (error instanceof TokenError) return null;
      throw error;
    }
    const { sub, sid } = claims;
    if (typeof sub !== 'string' || typeof sid !== 'string' || !UUID.test(sub) || !UUID.test(sid)) return null;
    return { id: sub, sessionId: sid };
  }
}
