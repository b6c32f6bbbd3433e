import basicAuth from '@fastify/basic-auth';
import { getQueueToken } from '@nestjs/bullmq';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Queue } from 'bullmq';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppConfig, CODE_DELIVERY_QUEUE, ErrorCode } from '@app/domain';
import { errorBody } from '../common/error-body.js';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * Bull Board, the queue dashboard, at /admin/queues/ behind HTTP basic auth
 * (@fastify/basic-auth) with QUEUE_DASHBOARD_USER and QUEUE_DASHBOARD_PASSWORD.
 * Without them it does not exist (404), and its packages are not even loaded.
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
    queues: [new BullMQAdapter(app.get<Queue>(getQueueToken(CODE_DELIVERY_QUEUE)))],
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
      // A refusal in the API's error body, with basic-auth's Basic challenge, before Bull Board sees the request.
      scope.addHook('onRequest', (request, reply, done) =>
        scope.basicAuth(request, reply, (error?: Error) => {
          if (!error) return done();
          void reply
            .code(401)
            .send(
              errorBody(
                ErrorCode.UNAUTHORIZED,
                request.id,
                'Authentication is required: send the dashboard credentials.',
              ),
            );
        }),
      );
      await scope.register(serverAdapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
    });
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
