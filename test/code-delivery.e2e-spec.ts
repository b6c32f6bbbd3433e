import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { CodeDeliveryService } from '../apps/worker/src/code-delivery/code-delivery.service.js';
import { UndeliveredCodesSweep } from '../apps/worker/src/code-delivery/undelivered-codes.sweep.js';
import { inbox, jobsEnded, nextPhone, startStack, waitForCode, type Stack } from './support/stack.js';
import { until } from './support/wait.js';

async function requestId(stack: Stack, phone: string): Promise<string> {
  const rows: Array<{ id: string }> = await stack.db.query(
    'SELECT id FROM code_requests WHERE phone_number = $1 ORDER BY created_at DESC LIMIT 1',
    [phone],
  );
  return rows[0].id;
}

async function messagesFor(stack: Stack, codeRequestId: string): Promise<number> {
  const [{ count }] = await stack.db.query(
    'SELECT count(*)::int AS count FROM sms_messages WHERE code_request_id = $1',
    [codeRequestId],
  );
  return count;
}

describe('code delivery with the real 1-2 s gateway delay', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ env: { SMS_DELAY_MS: '1000-2000' } });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('answers signup at once and lands the message in the inbox 1-2 s later', async () => {
    const phone = nextPhone();
    const started = Date.now();
    await stack.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
    const answeredIn = Date.now() - started;
    expect(answeredIn).toBeLessThan(1000);
    expect(await inbox(stack, phone)).toEqual([]);

    const code = await waitForCode(stack, phone, 0, 5000);
    const arrivedIn = Date.now() - started;
    expect(arrivedIn).toBeGreaterThanOrEqual(1000);
    // 2 s of simulated wait, plus queue pick-up and the inbox poll interval.
    expect(arrivedIn).toBeLessThan(2800);
    const [message] = await inbox(stack, phone);
    expect(message).toMatchObject({ to: phone });
    expect(message.text).toContain(code);
    expect(Date.parse(message.sent_at)).toBeGreaterThan(started);
  });

  it('sends nothing for a code replaced before its message went out', async () => {
    const local = await startStack({ env: { SMS_DELAY_MS: '200-400', CODE_RESEND_SECONDS: '0' }, worker: false });
    try {
      const phone = nextPhone();
      // Two stacks share the database; the other stack's worker must not pick up this queue.
      await local.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
      const replaced = await requestId(local, phone);
      await local.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
      const current = await requestId(local, phone);
      await local.startWorker();
      await waitForCode(local, phone, 0, 5000);
      await jobsEnded(local.queue, [replaced, current]);
      expect(await messagesFor(local, replaced)).toBe(0);
      expect(await messagesFor(local, current)).toBe(1);
      expect(await inbox(local, phone)).toHaveLength(1);
    } finally {
      await local.close();
    }
  });

  it('drops the message of a code replaced while it was in flight', async () => {
    const local = await startStack({ env: { SMS_DELAY_MS: '600', CODE_RESEND_SECONDS: '0' } });
    try {
      const phone = nextPhone();
      await local.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
      const replaced = await requestId(local, phone);
      // The worker holds it in its simulated 600 ms wait now.
      await until('the job taken', async () =>
        (await local.queue.getJobState(replaced)) === 'active' ? true : undefined,
      );
      await local.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
      await jobsEnded(local.queue, [replaced, await requestId(local, phone)]);
      expect(await messagesFor(local, replaced)).toBe(0);
      expect(await inbox(local, phone)).toHaveLength(1);
    } finally {
      await local.close();
    }
  });
});

describe('code delivery, once and only once', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ env: { SMS_DELAY_MS: '50' }, worker: false });
  });
  afterAll(async () => {
    await stack.close();
  });
  afterEach(async () => {
    await stack.stopWorker();
  });

  it('sends once when the same job runs twice, one after the other or at the same time', async () => {
    const phone = nextPhone();
    await stack.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
    const id = await requestId(stack, phone);
    await stack.queue.remove(id);
    const worker = await stack.startWorker();
    const deliveries = worker.get(CodeDeliveryService);
    const outcomes = await Promise.all([deliveries.deliver(id), deliveries.deliver(id), deliveries.deliver(id)]);
    // One run records the delivery; the others find it recorded.
    expect(outcomes.sort()).toEqual(['already-delivered', 'already-delivered', 'delivered']);
    expect(await deliveries.deliver(id)).toBe('already-delivered');
    expect(await messagesFor(stack, id)).toBe(1);
  });

  it('keeps one job per code request: queueing it again is a no-op', async () => {
    const phone = nextPhone();
    await stack.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
    const id = await requestId(stack, phone);
    await stack.queue.add('deliver-code', { codeRequestId: id }, { jobId: id });
    expect(await stack.queue.getJobCounts('waiting')).toMatchObject({ waiting: 1 });
    await stack.startWorker();
    await waitForCode(stack, phone);
    await jobsEnded(stack.queue, [id]);
    expect(await messagesFor(stack, id)).toBe(1);
  });

  it('drops an expired code instead of sending it', async () => {
    const phone = nextPhone();
    await stack.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
    const id = await requestId(stack, phone);
    await stack.db.query(`UPDATE code_requests SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
    const worker = await stack.startWorker();
    expect(await worker.get(CodeDeliveryService).deliver(id)).toBe('dropped');
    expect(await messagesFor(stack, id)).toBe(0);
    const [row] = await stack.db.query('SELECT code_sealed FROM code_requests WHERE id = $1', [id]);
    expect(row.code_sealed).toBeNull();
  });

  it('drops a code that was used before its job ran', async () => {
    const phone = nextPhone();
    await stack.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
    const id = await requestId(stack, phone);
    await stack.db.query(`UPDATE code_requests SET status = 'used' WHERE id = $1`, [id]);
    const worker = await stack.startWorker();
    expect(await worker.get(CodeDeliveryService).deliver(id)).toBe('dropped');
    expect(await messagesFor(stack, id)).toBe(0);
  });

  it('delivers, through the sweep, a committed request whose job never reached the queue', async () => {
    const phone = nextPhone();
    await stack.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
    const id = await requestId(stack, phone);
    await stack.queue.remove(id); // as if Redis had been away when the API tried to queue it
    expect(await stack.queue.getJob(id)).toBeUndefined();

    const worker = await stack.startWorker();
    const sweep = worker.get(UndeliveredCodesSweep);
    expect(await sweep.sweep(5)).toBe(0); // too young: the API may still be queueing it
    expect(await sweep.sweep(0)).toBe(1);
    await waitForCode(stack, phone);
    expect(await messagesFor(stack, id)).toBe(1);
  });

  it('finishes the deliveries in hand when the worker shuts down, and takes no new ones', async () => {
    const local = await startStack({ env: { SMS_DELAY_MS: '800' }, worker: false });
    try {
      const phones = [nextPhone(), nextPhone(), nextPhone()];
      await local.startWorker();
      for (const phone of phones) {
        await local.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
      }
      // All three are in their simulated wait.
      await until('three jobs taken', async () =>
        (await local.queue.getJobCounts('active')).active === 3 ? true : undefined,
      );
      const closing = local.stopWorker();
      await sleep(50);
      const late = nextPhone();
      await local.http().post('/api/v1/auth/signup/').send({ phone_number: late }).expect(202);
      await closing;
      for (const phone of phones) expect(await inbox(local, phone)).toHaveLength(1);
      // The worker has closed: nothing consumes this stack's queue any more.
      expect(await inbox(local, late)).toHaveLength(0);
      expect(await local.queue.getJobCounts('waiting')).toMatchObject({ waiting: 1 });
    } finally {
      await local.close();
    }
  });
});

/** The SMS webhook's secret here, and another that must not verify its requests. */
const SMS_SECRET = `whsec_${Buffer.from('sms-webhook-secret-of-32-bytes!!').toString('base64')}`;
const OTHER_SECRET = `whsec_${Buffer.from('another-secret-of-thirty-two-by!').toString('base64')}`;

describe('the webhook transport', () => {
  let server: Server;
  let received: Array<{
    body: { to: string; text: string };
    key: string | undefined;
    /** What the standardwebhooks package's verifier made of the request with the right secret, and with another. */
    verified: boolean;
    verifiedByOther: boolean;
    authorization: string | undefined;
    webhookId: string | undefined;
  }>;
  let attempts: Array<{ key: string | undefined; at: number; answered: number }>;
  let failuresLeft: number;
  let cutsLeft: number;
  let stack: Stack;

  beforeAll(async () => {
    received = [];
    attempts = [];
    failuresLeft = 0;
    cutsLeft = 0;
    server = createServer((request: IncomingMessage, response) => {
      let raw = '';
      request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      request.on('end', () => {
        const key = request.headers['idempotency-key'] as string | undefined;
        attempts.push({ key, at: Date.now(), answered: failuresLeft > 0 ? 503 : 202 });
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          response.writeHead(503).end();
          return;
        }
        if (cutsLeft > 0) {
          // The connection drops halfway through the answer.
          cutsLeft -= 1;
          attempts[attempts.length - 1].answered = 0;
          response.writeHead(200, { 'content-length': '100' });
          response.write('{"status":', () => request.socket.destroy());
          return;
        }
        const verifies = (secret: string) => {
          try {
            new Webhook(secret).verify(raw, request.headers as Record<string, string>);
            return true;
          } catch {
            return false;
          }
        };
        received.push({
          body: JSON.parse(raw),
          key: request.headers['idempotency-key'] as string | undefined,
          verified: verifies(SMS_SECRET),
          verifiedByOther: verifies(OTHER_SECRET),
          authorization: request.headers.authorization,
          webhookId: request.headers['webhook-id'] as string | undefined,
        });
        response.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    stack = await startStack({
      env: {
        SMS_TRANSPORT: 'webhook',
        // Credentials in the URL, one of them percent-encoded: sent as basic auth.
        SMS_WEBHOOK_URL: `http://gateway:p%40ss%3Aword@127.0.0.1:${port}/sms`,
        SMS_WEBHOOK_SECRET: SMS_SECRET,
      },
    });
  });
  afterAll(async () => {
    await stack.close();
    await new Promise((resolve) => server.close(resolve));
  });

  /**
   * Signs a new number up and waits until the gateway took its message and the
   * job is done, so a second delivery of it would already show in `received`.
   */
  async function signUpAndAwaitDelivery(): Promise<{ phone: string; id: string }> {
    const phone = nextPhone();
    await stack.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
    const id = await requestId(stack, phone);
    // Up to 10 s: the backoff test waits 1 s, then 2 s, between tries.
    for (let i = 0; i < 500 && !received.some((message) => message.key === id); i++) await sleep(20);
    // Completed, or gone with it: the PostgreSQL backend keeps no completed job (codeDeliveryJobOptions).
    const done = async () => ['completed', 'unknown'].includes((await stack.queue.getJobState(id)) ?? 'unknown');
    for (let i = 0; i < 50 && !(await done()); i++) await sleep(20);
    return { phone, id };
  }

  it('posts {to, text} with the code request id as Idempotency-Key', async () => {
    const { phone, id } = await signUpAndAwaitDelivery();
    const message = received.find((entry) => entry.key === id);
    expect(message?.body.to).toBe(phone);
    expect(message?.body.text).toMatch(/\b\d{4}\b/);
    // Signed as the events are: the standardwebhooks package verifies it with the secret, and with no other.
    expect(message).toMatchObject({ verified: true, verifiedByOther: false, webhookId: id });
    expect(message?.authorization).toBe(`Basic ${Buffer.from('gateway:p@ss:word').toString('base64')}`);
  });

  it('has no simulated inbox', async () => {
    await stack.http().get('/api/v1/dev/sms/').query({ phone_number: nextPhone() }).expect(404);
  });

  it('retries when the connection drops halfway through the answer, and delivers once', async () => {
    cutsLeft = 1;
    const { id } = await signUpAndAwaitDelivery();
    expect(received.filter((message) => message.key === id)).toHaveLength(1);
    expect(attempts.filter((attempt) => attempt.key === id).map((attempt) => attempt.answered)).toEqual([0, 202]);
  });

  it('retries with backoff when the gateway fails, and delivers', async () => {
    failuresLeft = 2;
    const { id } = await signUpAndAwaitDelivery();
    expect(received.filter((message) => message.key === id)).toHaveLength(1);
    const tries = attempts.filter((attempt) => attempt.key === id);
    expect(tries.map((attempt) => attempt.answered)).toEqual([503, 503, 202]);
    // Exponential backoff: about 1 s, then about 2 s.
    expect(tries[1].at - tries[0].at).toBeGreaterThanOrEqual(900);
    expect(tries[2].at - tries[1].at).toBeGreaterThanOrEqual(1800);
    const [row] = await stack.db.query('SELECT delivered_at, code_sealed FROM code_requests WHERE id = $1', [id]);
    expect(row.delivered_at).not.toBeNull();
    expect(row.code_sealed).toBeNull();
  });
});
