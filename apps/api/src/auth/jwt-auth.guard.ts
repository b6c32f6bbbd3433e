import { type CanActivate, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { DomainError, ErrorCode } from '@app/domain';
import { AccessTokens } from './access-tokens.js';
import type { AuthUser, TokenHolder } from './auth-user.js';
import { TokensService } from './tokens.service.js';

const SESSION_CHECKED_IN_QUERY = 'session-checked-in-query';
const ADMIN_ONLY = 'admin-only';

/**
 * A route (or every route of a controller) for admins only: the guard answers
 * 403 to anyone else, before the input is read. The one place the admin check
 * is made for a whole route; a rule that depends on the data (another user's
 * profile, a rename) stays in its service.
 */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);

/**
 * For a handler whose one statement checks the session itself and answers 401
 * when it is gone (GET /users/me/, the hottest route: see UsersRepository.ownProfile),
 * so the guard skips its own lookup. The e2e suite holds every protected route,
 * this one included, to answering 401 for a revoked session and a deleted user.
 */
export const SessionCheckedInQuery = () => SetMetadata(SESSION_CHECKED_IN_QUERY, true);

/**
 * A valid access token (AccessTokens) whose session is live and whose user
 * exists: a logout, a detected refresh-token reuse or a deleted user ends it at
 * once, in every API process. A database error while checking stays a 5xx:
 * answering 401 would sign every client out during an incident.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly accessTokens: AccessTokens,
    private readonly tokens: TokensService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: TokenHolder | AuthUser }>();
    const holder = this.accessTokens.holderOf(request.headers.authorization);
    if (!holder) throw new DomainError(ErrorCode.UNAUTHORIZED);
    const adminOnly = this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, [context.getHandler(), context.getClass()]);
    if (!adminOnly && this.reflector.get<boolean>(SESSION_CHECKED_IN_QUERY, context.getHandler())) {
      request.user = holder;
      return true;
    }
    const user = await this.tokens.authenticate(holder);
    if (!user) throw new DomainError(ErrorCode.UNAUTHORIZED);
    if (adminOnly && !user.isAdmin) throw new DomainError(ErrorCode.FORBIDDEN);
    request.user = user;
    return true;
  }
}
