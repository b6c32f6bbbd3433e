import basicAuth from '@fastify/basic-auth';
import { getQueueToken } from '@nestjs/bullmq';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import type { Queue } from 'bullmq';
import { createHash, timingSafeEqual } from 'node:crypto';
import { CODE_DELIVERY_QUEUE, ErrorCode } from '@app/domain';
import { AppConfig } from '@app/platform';
import { DataSource } from 'typeorm';
import { COUNTERS_REDIS } from '../common/counters.module.js';
import { errorBody } from '../common/error-body.js';
import { ERROR_STATUS } from '../common/error-status.js';
import { authFailures } from './auth-failures.js';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * Bull Board, the queue dashboard, at /admin/queues/ behind HTTP basic auth
 * (@fastify/basic-auth) with QUEUE_DASHBOARD_USER and QUEUE_DASHBOARD_PASSWORD.
 * Without them it does not exist (404), and its packages are not even loaded.
 * It only reads unless QUEUE_DASHBOARD_WRITE=true, and an address with 10 wrong
 * credentials in 15 minutes is refused (429) until the window ends, right ones
 * included.
 */
export async function registerQueueDashboard(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const credentials = config.queueDashboard;
  if (!credentials) return;
  const [{ createBullBoard }, { BullMQAdapter }, { FastifyAdapter }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/fastify'),
  ]);
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    // Read-only unless QUEUE_DASHBOARD_WRITE=true: Bull Board then hides its buttons and refuses its writes too.
    queues: [
      new BullMQAdapter(app.get<Queue>(getQueueToken(CODE_DELIVERY_QUEUE)), { readOnlyMode: !credentials.write }),
    ],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Referral service' } },
  });

  const expected = digest(`${credentials.user}:${credentials.password}`);
  await app
    .getHttpAdapter()
    .getInstance()
    .register(async (scope) => {
      await scope.register(basicAuth, {
        // Both sides hashed to one length, so the comparison takes the same time whatever was sent.
        validate: (user: string, password: string, _request, _reply, done: (error?: Error) => void) => {
          done(timingSafeEqual(digest(`${user}:${password}`), expected) ? undefined : new Error('wrong credentials'));
        },
        authenticate: { realm: 'queue dashboard' },
      });
      const failures = authFailures(config.redis.keyPrefix, app.get(COUNTERS_REDIS), app.get(DataSource));
      const refuse = (reply: FastifyReply, code: ErrorCode, requestId: string, message?: string) =>
        reply.code(ERROR_STATUS[code]).send(errorBody(code, requestId, message));
      // Before Bull Board sees the request: an address past its wrong tries, then the credentials, then
      // the method. Every refusal in the API's error body (a 401 with basic-auth's Basic challenge).
      scope.addHook('onRequest', async (request, reply) => {
        let waitSeconds: number;
        try {
          waitSeconds = await failures.blockedFor(request.ip);
        } catch {
          return refuse(reply, ErrorCode.SERVICE_UNAVAILABLE, request.id);
        }
        if (waitSeconds > 0) {
          reply.header('retry-after', String(waitSeconds));
          return refuse(
            reply,
            ErrorCode.RATE_LIMITED,
            request.id,
            'Too many wrong dashboard credentials from your network. Try again later.',
          );
        }
        const accepted = await new Promise<boolean>((resolve) =>
          scope.basicAuth(request, reply, (error?: Error) => resolve(!error)),
        );
        if (!accepted) {
          // Only a try counts: a browser's first request, without credentials, is how it learns to ask.
          if (request.headers.authorization) {
            try {
              await failures.fail(request.ip);
            } catch {
              return refuse(reply, ErrorCode.SERVICE_UNAVAILABLE, request.id);
            }
          }
          return refuse(
            reply,
            ErrorCode.UNAUTHORIZED,
            request.id,
            'Authentication is required: send the dashboard credentials.',
          );
        }
        if (!credentials.write && request.method !== 'GET' && request.method !== 'HEAD') {
          reply.header('allow', 'GET, HEAD');
          return refuse(
            reply,
            ErrorCode.METHOD_NOT_ALLOWED,
            request.id,
            'The queue dashboard is read-only: QUEUE_DASHBOARD_WRITE=true lets it retry, pause and clean.',
          );
        }
      });
      await scope.register(serverAdapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
    });
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
