import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { withNodeFlags } from '../../scripts/node-flags.mjs';
import { type Queryable, waitForDeliveries } from './db.js';
import { freePort, tracked } from './engines.mjs';
import { checkerOf } from './openapi-check.js';
import { nextPhone } from './phones.js';
import { baseTestEnv, testKeyPrefix } from './test-env.js';

export const API_ENTRY = 'dist/apps/api/apps/api/src/main.js';
export const WORKER_ENTRY = 'dist/apps/worker/apps/worker/src/main.js';
/** `npm run keys` and `npm run api-keys`: the first argument says which. */
export const KEYS_ENTRY = 'dist/apps/api/libs/platform/src/keys.js';

/**
 * `npm run keys -- …` or `npm run api-keys -- …` as an operator runs it: the
 * built command, with the tests' database and secret (and `env` over them);
 * answers what it printed. Rejects, with its output, when it exits non-zero.
 */
/**
 * The settings production needs of an API beyond the database's, as a deployment
 * sets them (real secrets, a signed SMS webhook); a test adds the database, the
 * ports and what it is about. Start it after `keysCommand('keys', ['ensure'], …)`.
 */
export const PRODUCTION_SETTINGS: Readonly<Record<string, string>> = {
  NODE_ENV: 'production',
  KEY_ENCRYPTION_SECRET: 'Zq3vY8rT1mK6wP0sL9dF2hJ5nB7xC4gA+e/Ru0iO3kWy',
  OTP_SECRET: 'p7Kc2Wm9Qx4Lr1Tz8Nv5Bd3Hs6Fy0Ja+g/Ue2Oi9Ck4R',
  SMS_TRANSPORT: 'webhook',
  SMS_WEBHOOK_URL: 'http://127.0.0.1:9/sms',
  SMS_WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
  ALLOW_HTTP_TO_PRIVATE_HOSTS: 'true',
};

export async function keysCommand(
  group: 'keys' | 'api-keys',
  args: string[],
  env: Record<string, string> = {},
): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [KEYS_ENTRY, group, ...args], {
    env: { ...process.env, ...builtEnv(env) },
  });
  return stdout.trim();
}

/** A free TCP port on 127.0.0.1 (the engines' helper). */
export { freePort };

export interface BuiltProcess {
  child: ChildProcess;
  /** Its `/metrics` URL when METRICS_PORT gave it one. */
  metrics: string | null;
  output: () => string;
  /** SIGTERM (or another signal), then waits for the exit; answers the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs a built app (`npm run build`, which `make test` does first) as its own
 * process, as `npm run start:api` / `start:worker` do in production: with the
 * default heap settings unless NODE_OPTIONS says otherwise.
 */
export function startBuilt(entry: string, env: Record<string, string>, args: string[] = []): BuiltProcess {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first (\`make test\` does)`);
  const child = tracked(
    spawn(process.execPath, [entry, ...args], {
      env: withNodeFlags({ ...process.env, ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let log = '';
  child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const metricsPort = Number(env.METRICS_PORT ?? 0);
  return {
    child,
    metrics: metricsPort ? `http://127.0.0.1:${metricsPort}/metrics` : null,
    output: () => log,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls a URL until it answers 200, or fails after `timeoutMs`. */
export async function waitUntilReady(url: string, timeoutMs = 20_000, process?: BuiltProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url} was not ready within ${timeoutMs} ms\n${process?.output() ?? ''}`);
}

/** Settings for built processes: the test database, and a key prefix of their own. */
export function builtEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...baseTestEnv(),
    REDIS_KEY_PREFIX: testKeyPrefix('built'),
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

export interface Deployment {
  apis: Array<{ base: string; process: BuiltProcess }>;
  workers: BuiltProcess[];
  env: Record<string, string>;
  addWorker(): BuiltProcess;
  stop(): Promise<void>;
}

/** Any number of built API and worker processes on one database and queue, as in production. */
export async function startDeployment(
  options: { apis?: number; workers?: number; env?: Record<string, string>; metrics?: boolean } = {},
): Promise<Deployment> {
  const env = builtEnv(options.env);
  // With `metrics`, each process serves /metrics on a port of its own.
  const metricsEnv = async (): Promise<Record<string, string>> =>
    options.metrics ? { METRICS_PORT: String(await freePort()) } : {};
  const apis: Deployment['apis'] = [];
  const workers: BuiltProcess[] = [];
  try {
    for (let i = 0; i < (options.apis ?? 1); i++) {
      const port = await freePort();
      const api = startBuilt(API_ENTRY, { ...env, ...(await metricsEnv()), PORT: String(port) });
      apis.push({ base: `http://127.0.0.1:${port}`, process: api });
    }
    for (let i = 0; i < (options.workers ?? 1); i++)
      workers.push(startBuilt(WORKER_ENTRY, { ...env, ...(await metricsEnv()) }));
    for (const api of apis) await waitUntilReady(`${api.base}/health/ready`, 30_000, api.process);
  } catch (error) {
    // A deployment that did not come up stops whole: the caller has nothing to stop it with.
    await Promise.all([...apis.map((api) => api.process.stop('SIGKILL')), ...workers.map((w) => w.stop('SIGKILL'))]);
    throw error;
  }
  const deployment: Deployment = {
    apis,
    workers,
    env,
    addWorker() {
      const worker = startBuilt(WORKER_ENTRY, env);
      workers.push(worker);
      return worker;
    },
    async stop() {
      await Promise.all([...apis.map((api) => api.process.stop()), ...workers.map((worker) => worker.stop())]);
    },
  };
  return deployment;
}

/** POSTs JSON and answers status, body and how long it took; the answer is checked against the API's document. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; ms: number }> {
  const started = Date.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  const ms = Date.now() - started;
  const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  const target = new URL(url);
  (await checkerOf(target.origin)).check({
    method: 'POST',
    url: target.pathname + target.search,
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: parsed,
  });
  return { status: response.status, body: parsed, ms };
}

/**
 * Signs a phone in through a running API the way a client does: asks for a
 * code, reads it from the simulated gateway's inbox once the worker filed it,
 * and sends it back.
 */
export async function signInThrough(
  api: string,
  db: Queryable,
  number = nextPhone(),
): Promise<{ phone: string; token: string; referral_code: string }> {
  const asked = await postJson(`${api}/api/v1/auth/signup/`, { phone_number: number });
  if (asked.status !== 202)
    throw new Error(`code request for ${number}: ${asked.status} ${JSON.stringify(asked.body)}`);
  await waitForDeliveries(db, [number]);
  const { rows } = await db.query<{ text: string }>(
    'SELECT text FROM sms_messages WHERE to_phone = $1 ORDER BY sent_at DESC LIMIT 1',
    [number],
  );
  const code = /\b(\d{4})\b/.exec(rows[0].text)![1];
  const answer = await postJson(`${api}/api/v1/auth/code/`, { phone_number: number, code });
  if (answer.status !== 200) throw new Error(`sign-in of ${number}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return { phone: number, ...(answer.body as { token: string; referral_code: string }) };
}

/** Activates someone's invite code in a signed-in user's profile, through a running API; answers the status. */
export async function activateThrough(api: string, token: string, referralCode: string): Promise<number> {
  const response = await fetch(`${api}/api/v1/users/me/`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ used_referral_code: referralCode }),
  });
  await response.arrayBuffer();
  return response.status;
}

export interface RedisServer {
  port: number;
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** A Redis of the test's own, on a free port, that the test can stop and start (it keeps nothing on disk). */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = tracked(
        spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
          stdio: 'ignore',
        }),
      );
      for (let i = 0; i < 100; i++) {
        try {
          await new Promise<void>((resolve, reject) => {
            const socket = createConnection(port, '127.0.0.1', () => socket.end(resolve));
            socket.once('error', reject);
          });
          return;
        } catch {
          await sleep(50);
        }
      }
      throw new Error(`redis-server did not start on port ${port}`);
    },
    async stop() {
      const running = child;
      child = null;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
  await server.start();
  return server;
}
