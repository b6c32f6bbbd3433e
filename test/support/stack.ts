import type { INestApplicationContext } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import pg from 'pg';
import request, { type Response } from 'supertest';
import { DataSource } from 'typeorm';
import type { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { CODE_DELIVERY_QUEUE } from '../../libs/domain/src/index.js';
import { type AppConfig, loadConfig, queueSchema } from '../../libs/platform/src/index.js';
import { createApiApp } from '../../apps/api/src/app.setup.js';
import { createWorker } from '../../apps/worker/src/worker.setup.js';
import { resetTables } from './db.js';
import { nextPhone } from './phones.js';
import { checkerFor, type ResponseChecker } from './openapi-check.js';
import { deleteKeys } from './redis-keys.mjs';
import { baseTestEnv, testKeyPrefix } from './test-env.js';
import { until } from './wait.js';

export interface StackOptions {
  /** Settings over the test defaults. */
  env?: Record<string, string>;
  /** Start the worker in this process too (default true). */
  worker?: boolean;
  /** The address the API listens on (default 127.0.0.1). */
  host?: string;
}

export interface Stack {
  config: AppConfig;
  api: NestFastifyApplication;
  db: DataSource;
  queue: Queue;
  worker: INestApplicationContext | null;
  /** Requests to the API; every answer is checked against the OpenAPI document it serves. */
  http(): ReturnType<typeof request>;
  startWorker(): Promise<INestApplicationContext>;
  stopWorker(): Promise<void>;
  /** Empties every table and the queue. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export { nextPhone };

/**
 * The real API (built by the same function as main.ts, listening on a random
 * port) and, unless told otherwise, the real worker, on the test database and
 * a Redis key prefix of their own.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const prefix = testKeyPrefix();
  const config = loadConfig({ ...baseTestEnv(), REDIS_KEY_PREFIX: prefix, ...options.env });
  const api = await createApiApp(config);
  await api.listen({ port: 0, host: options.host ?? '127.0.0.1' });
  const db = api.get(DataSource);
  const queue = api.get<Queue>(getQueueToken(CODE_DELIVERY_QUEUE));
  const checker = await checkerFor((await request(api.getHttpServer()).get('/swagger.json').expect(200)).body);

  const stack: Stack = {
    config,
    api,
    db,
    queue,
    worker: null,
    http: () => checked(request(api.getHttpServer()), checker),
    async startWorker() {
      if (!stack.worker) {
        stack.worker = await createWorker(config);
        await stack.worker.init();
      }
      return stack.worker;
    },
    async stopWorker() {
      await stack.worker?.close();
      stack.worker = null;
    },
    async reset() {
      await resetTables(db);
      await queue.obliterate({ force: true });
      // The per-IP counters' keys are hash-tagged whole: `{<prefix>:rate:…}:hits`.
      await deleteKeys(redisOf(config), `{${prefix}:rate:*`);
      await db.query(`DELETE FROM rate_limits WHERE key LIKE $1`, [`${prefix}:%`]);
    },
    async close() {
      await stack.stopWorker();
      await db.query(`DELETE FROM rate_limits WHERE key LIKE $1`, [`${prefix}:%`]);
      await api.close();
      await deleteKeys(redisOf(config), `${prefix}:*`);
      await deleteKeys(redisOf(config), `{${prefix}:*`);
      if (config.queue.backend === 'postgres') await dropQueueSchema(config);
    },
  };
  if (options.worker !== false) await stack.startWorker();
  return stack;
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'options', 'head']);

/** supertest, with each request's answer checked against the document before the test's own expectations. */
function checked(agent: ReturnType<typeof request>, checker: ResponseChecker): ReturnType<typeof request> {
  return new Proxy(agent, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || !METHODS.has(property) || typeof value !== 'function') return value;
      return (url: string) =>
        (value as (url: string) => request.Test).call(target, url).expect((response: Response) => {
          const sent = (response as unknown as { req: { method: string; path: string } }).req;
          checker.check({
            method: sent.method,
            url: sent.path,
            status: response.status,
            headers: response.headers,
            body: response.body,
          });
        });
    },
  });
}

/** Where a stack's Redis keys live: REDIS_URL, or the cluster's seed nodes. */
function redisOf(config: AppConfig): string | Array<{ host: string; port: number }> | null {
  return config.redis.url ?? config.redis.cluster?.nodes ?? null;
}

/** The queue's tables of a stack on the PostgreSQL backend live in a schema of its own. */
async function dropQueueSchema(config: AppConfig): Promise<void> {
  const cleanup = new DataSource({ type: 'postgres', url: config.database.directUrl, extra: { max: 1 } });
  await cleanup.initialize();
  try {
    await cleanup.query(`DROP SCHEMA IF EXISTS "${queueSchema(config)}" CASCADE`);
  } finally {
    await cleanup.destroy();
  }
}

export interface SmsItem {
  to: string;
  text: string;
  sent_at: string;
}

export async function inbox(stack: Stack, phone: string): Promise<SmsItem[]> {
  const response = await stack.http().get('/api/v1/dev/sms/').query({ phone_number: phone }).expect(200);
  return (response.body as { items: SmsItem[] }).items;
}

/** Waits until the inbox holds more than `seen` messages and returns the code of the newest. */
export async function waitForCode(stack: Stack, phone: string, seen = 0, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const items = await inbox(stack, phone);
    if (items.length > seen) {
      const match = /\b(\d{4})\b/.exec(items[0].text);
      if (!match) throw new Error(`no code in "${items[0].text}"`);
      return match[1];
    }
    await sleep(25);
  }
  throw new Error(`no message for ${phone} within ${timeoutMs} ms`);
}

/**
 * Waits until each job has ended (completed, failed for good, or ended and removed): from then on it
 * does nothing more, so a test can count what it did without sleeping on it. A code request's job is
 * named by the request's id, an event's by the event's.
 */
export async function jobsEnded(queue: Queue, jobIds: string[], timeoutMs = 20_000): Promise<void> {
  await until(
    'the jobs ended',
    async () => {
      const states = await Promise.all(jobIds.map((id) => queue.getJobState(id)));
      return states.every((state) => ['completed', 'failed', 'unknown'].includes(state)) ? true : undefined;
    },
    timeoutMs,
  );
}

export interface SignedIn {
  phone: string;
  token: string;
  refreshToken: string;
  referralCode: string;
  isNewUser: boolean;
}

/** Asks for a code as a client does, and reads it from the simulated inbox. */
export async function requestCode(stack: Stack, phone: string, username?: string): Promise<string> {
  const seen = (await inbox(stack, phone)).length;
  await stack
    .http()
    .post('/api/v1/auth/signup/')
    .send(username ? { phone_number: phone, username } : { phone_number: phone })
    .expect(202);
  return waitForCode(stack, phone, seen);
}

/**
 * The whole sign-in, as a client does it: ask for a code, read it from the inbox,
 * send it back. For the tests of sign-in and delivery; the others make their
 * users with `createUser` (factory.ts).
 */
export async function signIn(stack: Stack, phone = nextPhone(), username?: string): Promise<SignedIn> {
  const code = await requestCode(stack, phone, username);
  const response = await stack.http().post('/api/v1/auth/code/').send({ phone_number: phone, code }).expect(200);
  const body = response.body as { token: string; refresh_token: string; referral_code: string; is_new_user: boolean };
  return {
    phone,
    token: body.token,
    refreshToken: body.refresh_token,
    referralCode: body.referral_code,
    isNewUser: body.is_new_user,
  };
}

/** Numbers that signed in through the SMS round trip, as real accounts do, each past its cooldown since. */
export async function signedInNumbers(stack: Stack, count: number): Promise<string[]> {
  const phones: string[] = [];
  for (let i = 0; i < count; i++) {
    const user = await signIn(stack);
    await skipCooldown(stack, user.phone);
    phones.push(user.phone);
  }
  return phones;
}

/** Moves the phone's past codes two minutes back, as if the 60 s cooldown had passed. */
export async function skipCooldown(stack: Stack, phone: string): Promise<void> {
  await stack.db.query(
    `UPDATE code_requests SET created_at = created_at - interval '2 minutes' WHERE phone_number = $1`,
    [phone],
  );
}

/** The id of the phone's latest code request. */
export async function latestCodeRequest(stack: Stack, phone: string): Promise<string> {
  const [{ id }] = await stack.db.query<Array<{ id: string }>>(
    'SELECT id FROM code_requests WHERE phone_number = $1 ORDER BY created_at DESC LIMIT 1',
    [phone],
  );
  return id;
}

/** Requests as a signed-in user. */
export function as(stack: Stack, user: { token: string }) {
  const auth = { Authorization: `Bearer ${user.token}` };
  return {
    get: (path: string) => stack.http().get(path).set(auth),
    post: (path: string, body: object) => stack.http().post(path).set(auth).send(body),
    patch: (path: string, body: object) => stack.http().patch(path).set(auth).send(body),
    put: (path: string, body: object) => stack.http().put(path).set(auth).send(body),
    delete: (path: string) => stack.http().delete(path).set(auth),
  };
}

/** Counts the SQL statements the API sends while `work` runs, whichever way it sends them. */
export async function countQueries(stack: Stack, work: () => Promise<unknown>): Promise<string[]> {
  // Only the API's own pool: the worker's sweep and the queue's PostgreSQL backend
  // have pools of their own and query on timers of their own.
  const pool = (stack.api.get(DataSource).driver as unknown as { master: EventEmitter }).master;
  const apiClients = new Set<unknown>();
  const onAcquire = (client: unknown) => apiClients.add(client);
  pool.on('acquire', onAcquire);
  const seen: string[] = [];
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  prototype.query = function (this: unknown, ...args: unknown[]) {
    const [config] = args;
    if (apiClients.has(this))
      seen.push(typeof config === 'string' ? config : String((config as { text?: string }).text));
    return original.apply(this, args);
  };
  try {
    await work();
  } finally {
    prototype.query = original;
    pool.off('acquire', onAcquire);
  }
  return seen;
}
