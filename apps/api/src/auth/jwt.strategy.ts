import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig, DomainError, ErrorCode } from '@app/domain';
import { accessTokenKey } from './access-token-key.js';
import type { AccessTokenClaims, TokenHolder } from './auth-user.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Access tokens: HS256 only (`alg: none` and every other algorithm are refused),
 * issuer and audience checked, read from the Authorization header only (never
 * from the query string). Whether the session is still live is checked next, by
 * JwtAuthGuard (or, for GET /users/me/, inside the profile's own query).
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(config: AppConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // passport-jwt's type says string; it hands the key to jsonwebtoken, which takes a KeyObject.
      secretOrKey: accessTokenKey(config) as unknown as string,
      algorithms: ['HS256'],
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ignoreExpiration: false,
    });
  }

  validate(payload: Partial<AccessTokenClaims>): TokenHolder {
    const { sub, sid } = payload;
    if (typeof sub !== 'string' || typeof sid !== 'string' || !UUID.test(sub) || !UUID.test(sid)) {
      throw new DomainError(ErrorCode.UNAUTHORIZED);
    }
    return { id: sub, sessionId: sid };
  }
}
