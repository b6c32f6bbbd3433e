import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig, DomainError, ErrorCode } from '@app/domain';
import type { AccessTokenClaims, AuthUser } from './auth-user.js';
import { TokensService } from './tokens.service.js';

/**
 * Access tokens: HS256 only (`alg: none` and every other algorithm are refused),
 * issuer and audience checked, read from the Authorization header only (never
 * from the query string). A token whose session ended or whose user was deleted
 * stops working at once.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: AppConfig,
    private readonly tokens: TokensService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.jwt.secret,
      algorithms: ['HS256'],
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ignoreExpiration: false,
    });
  }

  async validate(payload: Partial<AccessTokenClaims>): Promise<AuthUser> {
    if (
      typeof payload.sub !== 'string' ||
      typeof payload.sid !== 'string' ||
      !isUuid(payload.sub) ||
      !isUuid(payload.sid)
    ) {
      throw new DomainError(ErrorCode.UNAUTHORIZED);
    }
    const user = await this.tokens.authenticate({ sub: payload.sub, sid: payload.sid });
    if (!user) throw new DomainError(ErrorCode.UNAUTHORIZED);
    return user;
  }
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
