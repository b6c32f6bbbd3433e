import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ErrorCode } from '@app/domain';
import { AccessTokens } from './auth/access-tokens.js';
import { UsersService } from './users/users.service.js';
import { errorBody } from './common/error-body.js';
import { ERROR_STATUS } from './common/error-status.js';

// The rows of the bench's cost ledger (common/cost-ledger.ts) that take a part of the API out; never called in a build that ships.

/**
 * The ledger's `serialisation` row: every answer's body is one profile's JSON
 * written once, so what JSON.stringify costs per read drops out.
 */
export function serialiseNothing(fastify: FastifyInstance): void {
  const body = JSON.stringify({
    id: '00000000-0000-4000-8000-000000000000',
    username: 'bench_1',
    phone_number: '+79900000001',
    referral_code: 'AAAAAB',
    used_referral_code: null,
    referred_by: null,
    invite_url: 'http://127.0.0.1/?ref=AAAAAB',
    referrals_count: 0,
    referrals_by_state: { pending: 0, qualified: 0, final: 0, void: 0, in_review: 0 },
    created_at: new Date(0).toISOString(),
    referral_users_list: [],
  });
  fastify.setReplySerializer(() => body);
}

/**
 * The ledger's `nest` row: `GET /api/v1/users/me/` answered in a Fastify hook
 * by the same token check and the same service, so Nest's router, guard,
 * pipes, interceptors, filters and parameter decorators drop out (Fastify's
 * own routing, hooks, log line and histogram stay).
 */
export function leaveNestOutOfTheProfileRead(app: NestFastifyApplication): void {
  const accessTokens = app.get(AccessTokens);
  const users = app.get(UsersService);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.method !== 'GET' || !request.routeOptions.url?.startsWith('/api/v1/users/me')) return;
      if (request.routeOptions.url.length > '/api/v1/users/me/'.length) return;
      const holder = await accessTokens.holderOf(request.headers.authorization);
      const answer = holder
        ? await users.getOwnProfile(holder).catch((error: unknown) => error)
        : new DomainError(ErrorCode.UNAUTHORIZED);
      if (answer instanceof DomainError)
        return reply.code(ERROR_STATUS[answer.code]).send(errorBody(answer.code, request.id));
      if (answer instanceof Error) throw answer;
      return reply.send(answer);
    });
}
