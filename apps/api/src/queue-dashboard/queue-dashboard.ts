import { getQueueToken } from '@nestjs/bullmq';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Queue } from 'bullmq';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppConfig, CODE_DELIVERY_QUEUE, ERROR_MESSAGES, ErrorCode } from '@app/domain';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * Bull Board, the queue dashboard, at /admin/queues/ behind HTTP basic auth with
 * QUEUE_DASHBOARD_USER and QUEUE_DASHBOARD_PASSWORD. Without them it does not
 * exist (404), and its packages are not even loaded.
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
      scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        if (authorized(request.headers.authorization, expected)) return;
        return reply
          .code(401)
          .header('WWW-Authenticate', 'Basic realm="queue dashboard", charset="UTF-8"')
          .send({
            status_code: 401,
            error: ErrorCode.UNAUTHORIZED,
            message: ERROR_MESSAGES.UNAUTHORIZED.replace('a valid Bearer access token', 'the dashboard credentials'),
            request_id: request.id,
          });
      });
      await scope.register(serverAdapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
    });
}

function authorized(header: string | undefined, expected: Buffer): boolean {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (!match) return false;
  // Both sides hashed to one length, so the comparison takes the same time whatever was sent.
  return timingSafeEqual(digest(Buffer.from(match[1], 'base64').toString('utf8')), expected);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
