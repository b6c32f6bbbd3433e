import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthUser, TokenHolder } from './auth-user.js';

/** The authenticated caller, as set by JwtAuthGuard. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthUser => context.switchToHttp().getRequest<{ user: AuthUser }>().user,
);

/** The verified token's holder, for handlers marked @SessionCheckedInQuery(). */
export const TokenHolderParam = createParamDecorator(
  (_data: unknown, context: ExecutionContext): TokenHolder =>
    context.switchToHttp().getRequest<{ user: TokenHolder }>().user,
);
