import { Injectable } from '@nestjs/common';
import { createSigner, createVerifier, TokenError } from 'fast-jwt';
import { keyIdOf } from '@app/domain';
import { AppConfig } from '@app/platform';
import type { AccessTokenClaims, TokenHolder } from './auth-user.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** RFC 6750 section 2.1: the scheme is case-insensitive; the token is one b64token. */
const BEARER = /^Bearer +([\w.~+/-]+=*)$/i;

/**
 * Access tokens (fast-jwt): HS256 only (`alg: none` and every other algorithm
 * are refused), signed with JWT_SECRET and its id as `kid`, verified with the
 * key `kid` names among JWT_SECRET and JWT_PREVIOUS_SECRETS (a rotation signs
 * nobody out); issuer, audience and expiry required and checked, read from the
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
  /** One verifier per key, by its id (`kid`), the current key first. */
  private readonly verifiers = new Map<string, (token: string) => Partial<AccessTokenClaims>>();
  /** The header segment the current key writes, the same on every token: most tokens are found by it alone. */
  private readonly currentHeader: string;
  private readonly currentId: string;

  constructor(config: AppConfig) {
    const { keys, issuer, audience, accessTtlSeconds } = config.jwt;
    if (!keys.current) throw new Error('JWT_SECRET is not set: the API signs access tokens with it');
    this.currentId = keyIdOf(keys.current).toString('base64url');
    this.signer = createSigner({
      key: Buffer.from(keys.current),
      algorithm: 'HS256',
      kid: this.currentId,
      iss: issuer,
      aud: audience,
      expiresIn: accessTtlSeconds * 1000,
    });
    for (const secret of [keys.current, ...keys.previous]) {
      this.verifiers.set(
        keyIdOf(secret).toString('base64url'),
        createVerifier({
          key: Buffer.from(secret),
          algorithms: ['HS256'],
          allowedIss: issuer,
          allowedAud: audience,
          requiredClaims: ['exp', 'iss', 'aud'],
        }),
      );
    }
    this.currentHeader = this.signer({ sub: '', sid: '' }).split('.')[0];
  }

  /**
   * The verifiers a token may be checked by: the one its `kid` names (none for
   * an id no longer listed), or, for a token without `kid` (signed before key
   * ids), each listed key in turn.
   */
  private verifiersFor(token: string): Array<(token: string) => Partial<AccessTokenClaims>> {
    const header = token.slice(0, token.indexOf('.'));
    if (header === this.currentHeader) return [this.verifiers.get(this.currentId)!];
    let kid: unknown;
    try {
      kid = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid?: unknown }).kid;
    } catch {
      return [];
    }
    if (kid === undefined) return [...this.verifiers.values()];
    const verifier = typeof kid === 'string' ? this.verifiers.get(kid) : undefined;
    return verifier ? [verifier] : [];
  }

  sign(userId: string, sessionId: string): string {
    return this.signer({ sub: userId, sid: sessionId });
  }

  /** The holder of the request's bearer token; null when there is none, or it is not one of ours and valid. */
  holderOf(authorization: string | undefined): TokenHolder | null {
    const token = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
    if (token === undefined) return null;
    let claims: Partial<AccessTokenClaims> | undefined;
    for (const verifier of this.verifiersFor(token)) {
      try {
        claims = verifier(token);
        break;
      } catch (error) {
        // A refused token is the caller's; anything else is ours and stays a 5xx.
        if (!(error instanceof TokenError)) throw error;
      }
    }
    if (claims === undefined) return null;
    const { sub, sid } = claims;
    if (typeof sub !== 'string' || typeof sid !== 'string' || !UUID.test(sub) || !UUID.test(sid)) return null;
    return { id: sub, sessionId: sid };
  }
}
