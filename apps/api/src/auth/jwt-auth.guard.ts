import { type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { DomainError, ErrorCode } from '@app/domain';
import type { AuthUser, TokenHolder } from './auth-user.js';
import { TokensService } from './tokens.service.js';

const SESSION_CHECKED_IN_QUERY = 'session-checked-in-query';

/**
 * For a handler whose one statement checks the session itself and answers 401
 * when it is gone (GET /users/me/, the hottest route: see UsersRepository.ownProfile),
 * so the guard skips its own lookup. The e2e suite holds every protected route,
 * this one included, to answering 401 for a revoked session and a deleted user.
 */
export const SessionCheckedInQuery = () => SetMetadata(SESSION_CHECKED_IN_QUERY, true);

/**
 * A valid access token (JwtStrategy) whose session is live and whose user
 * exists: a logout, a detected refresh-token reuse or a deleted user ends it at
 * once, in every API process.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokensService,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await super.canActivate(context);
    if (this.reflector.get<boolean>(SESSION_CHECKED_IN_QUERY, context.getHandler())) return true;
    const request = context.switchToHttp().getRequest<{ user: TokenHolder | AuthUser }>();
    const user = await this.tokens.authenticate(request.user);
    if (!user) throw new DomainError(ErrorCode.UNAUTHORIZED);
    request.user = user;
    return true;
  }

  /**
   * passport-jwt reports a bad token as "no user"; an error here is ours (a
   * database outage, say) and must stay a 5xx: answering 401 would sign every
   * client out during an incident.
   */
  override handleRequest<TUser>(error: unknown, user: TUser | false): TUser {
    if (error instanceof Error) throw error;
    if (error) throw new Error(`authentication failed: ${JSON.stringify(error)}`);
    if (!user) throw new DomainError(ErrorCode.UNAUTHORIZED);
    return user;
  }
}
