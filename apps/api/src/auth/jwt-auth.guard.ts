import { applyDecorators, type CanActivate, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { API_KEY_PREFIX, type ApiKeyScope, DomainError, ErrorCode } from '@app/domain';
import { ApiKeysRepository } from './account-keys.repository.js';
import { AccessTokens } from './access-tokens.js';
import { type AuthUser, API_KEY_CALLER_ID, type TokenHolder } from './auth-user.js';
import { TokensService } from './tokens.service.js';
import { LEFT_OUT, unverifiedHolder } from '../common/cost-ledger.js';

const SESSION_CHECKED_IN_QUERY = 'session-checked-in-query';
const ADMIN_ONLY = 'admin-only';
const KEY_SCOPE = 'api-key-scope';
const KEY_BEARER = new RegExp(`^Bearer +(${API_KEY_PREFIX}\\S*)$`, 'i');

/**
 * A route (or every route of a controller) for admins only: the guard answers
 * 403 to anyone else, before the input is read. With a scope, an API key that
 * holds it is let through too (SPEC section 12). The one place the admin check
 * is made for a whole route; a rule that depends on the data (another user's
 * profile, a rename) stays in its service.
 */
export const AdminOnly = (scope?: ApiKeyScope) =>
  applyDecorators(SetMetadata(ADMIN_ONLY, true), ...(scope ? [KeyScope(scope)] : []));

/**
 * A route an API key with this scope may call as an admin would (the "the user
 * themself, or an admin" routes). A key on a route without one is refused 403:
 * a key acts for the host's backend, never as a person.
 */
export const KeyScope = (scope: ApiKeyScope) => SetMetadata(KEY_SCOPE, scope);

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
 * once, in every API process. Or a live API key (`rfk_…`) with the route's
 * scope, checked in PostgreSQL on each request, so a revocation holds at once.
 * A database error while checking stays a 5xx: answering 401 would sign every
 * client out during an incident.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly accessTokens: AccessTokens,
    private readonly tokens: TokensService,
    private readonly apiKeys: ApiKeysRepository,
  ) {}

  /** The bench's cost ledger only (common/cost-ledger.ts): the token is read, not checked. */
  private readonly unchecked = LEFT_OUT.has('guard');

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: TokenHolder | AuthUser }>();
    const authorization = request.headers.authorization;
    const key = authorization === undefined ? undefined : KEY_BEARER.exec(authorization)?.[1];
    if (key !== undefined) {
      request.user = await this.keyCaller(context, key);
      return true;
    }
    const holder = this.unchecked ? unverifiedHolder(authorization) : await this.accessTokens.holderOf(authorization);
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

  /** An API key's caller: an admin for this route when the key holds the route's scope. */
  private async keyCaller(context: ExecutionContext, token: string): Promise<AuthUser> {
    const caller = await this.apiKeys.authenticate(token);
    if (!caller) throw new DomainError(ErrorCode.UNAUTHORIZED, 'The API key is unknown or revoked.');
    const scope = this.reflector.getAllAndOverride<ApiKeyScope | undefined>(KEY_SCOPE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (scope === undefined) {
      throw new DomainError(
        ErrorCode.FORBIDDEN,
        'API keys act for the host app’s backend on admin routes: this route is for a signed-in person.',
      );
    }
    if (!caller.scopes.includes(scope)) {
      throw new DomainError(ErrorCode.FORBIDDEN, `This API key lacks the scope ${scope}.`);
    }
    return {
      id: API_KEY_CALLER_ID,
      sessionId: API_KEY_CALLER_ID,
      phoneNumber: '',
      isAdmin: true,
      apiKey: { id: caller.id, name: caller.name },
    };
  }
}
