import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import pg from 'pg';
import { ensureDatabase } from '../libs/platform/src/database/data-source.js';
import { TEST_REDIS_URL } from './support/test-env.js';
import {
  API_ENTRY,
  builtEnv,
  freePort,
  PRODUCTION_SETTINGS,
  KEYS_ENTRY,
  startBuilt,
  waitUntilReady,
  WORKER_ENTRY,
} from './support/processes.js';

const MIGRATE_ENTRY = 'dist/apps/api/libs/platform/src/migrate.js';

/** Migrations need a session: past PgBouncer (make test-scale), the direct URL. */
const directDatabaseUrl = () => process.env.TEST_DATABASE_DIRECT_URL ?? process.env.TEST_DATABASE_URL!;

/** An API's settings in production that start (given a signing key), but for what a test changes. */
async function productionEnv(databaseUrl: string): Promise<Record<string, string>> {
  return { ...PRODUCTION_SETTINGS, DATABASE_URL: databaseUrl, PORT: String(await freePort()), METRICS_PORT: '0' };
}

/** Holds a port on 127.0.0.1, as another process on the machine would. */
async function occupy(): Promise<{ port: number; server: Server }> {
  const port = await freePort();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, server };
}

/** Runs a built entry point to its end: exit code and everything it printed. */
function runToEnd(
  entry: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; output: string }> {
  const process = startBuilt(entry, env, args);
  return new Promise((resolve) => process.child.once('exit', (code) => resolve({ code, output: process.output() })));
}

/** One sentence on one line, naming `setting`, with no stack trace. */
function expectOneSentence(output: string, setting: string): void {
  const lines = output.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(setting);
  expect(output).not.toMatch(/^\s+at /m);
}

describe('starting the processes', () => {
  it('runs the migrations in production with DATABASE_URL alone', async () => {
    const { code, output } = await runToEnd(MIGRATE_ENTRY, {
      NODE_ENV: 'production',
      DATABASE_URL: directDatabaseUrl(),
    });
    expect({ code, output: output.trim() }).toEqual({ code: 0, output: 'no pending migrations' });
  });

  it('names DATABASE_URL when a migration is given nothing', async () => {
    const { code, output } = await runToEnd(MIGRATE_ENTRY, { NODE_ENV: 'production', DATA_DIR: '/nonexistent' });
    expect(code).toBe(1);
    expectOneSentence(output.replace(/^migrate: Invalid configuration:\n/, ''), 'DATABASE_URL');
  });

  it.each([
    ['TRUST_PROXY=true, which trusts what a client writes', { TRUST_PROXY: 'true' }, 'TRUST_PROXY'],
    [
      'a fixed-code test number that is an admin',
      { ADMIN_PHONE_NUMBERS: '+79990000009', OTP_TEST_NUMBERS: '+79990000009:1234' },
      'OTP_TEST_NUMBERS',
    ],
    ['an http:// webhook to a public host', { SMS_WEBHOOK_URL: 'http://sms.example.com/send' }, 'SMS_WEBHOOK_URL'],
    ['a webhook without its secret', { SMS_WEBHOOK_SECRET: '' }, 'SMS_WEBHOOK_SECRET'],
  ])('refuses to start in production with %s, naming the setting', async (_, settings, named) => {
    const { code, output } = await runToEnd(API_ENTRY, { ...(await productionEnv(directDatabaseUrl())), ...settings });
    expect(code).toBe(1);
    expect(output).toMatch(new RegExp(`^  - ${named}: `, 'm'));
    expect(output).not.toMatch(/^\s+at /m);
  });

  it('refuses to start in production without a signing key, naming the command; `keys ensure` makes one', async () => {
    const name = `referral_nokey_${process.pid}`;
    const admin = new pg.Client({ connectionString: directDatabaseUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(directDatabaseUrl());
    url.pathname = `/${name}`;
    const production: Record<string, string> = {
      ...(await productionEnv(url.toString())),
      ...(TEST_REDIS_URL ? { REDIS_URL: TEST_REDIS_URL } : {}),
    };
    try {
      expect((await runToEnd(MIGRATE_ENTRY, { NODE_ENV: 'production', DATABASE_URL: url.toString() })).code).toBe(0);
      const refused = await runToEnd(API_ENTRY, production);
      expect(refused.code).toBe(1);
      expectOneSentence(refused.output, 'run `npm run keys -- ensure`');
      const ensure = await runToEnd(KEYS_ENTRY, production, ['keys', 'ensure']);
      expect({ code: ensure.code, output: ensure.output.trim() }).toEqual({
        code: 0,
        output: expect.stringMatching(/^made the first EdDSA signing key [\w-]+$/),
      });
      const api = startBuilt(API_ENTRY, production);
      try {
        await waitUntilReady(`http://127.0.0.1:${production.PORT}/health/ready`, 20_000);
      } finally {
        await api.stop();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });

  it('says in one sentence which setting to change when the HTTP port is taken', async () => {
    const { port, server } = await occupy();
    try {
      const { code, output } = await runToEnd(API_ENTRY, builtEnv({ PORT: String(port) }));
      expect(code).toBe(1);
      expectOneSentence(output, 'set PORT');
      expect(output).toContain(`127.0.0.1:${port}: the port is in use`);
    } finally {
      server.close();
    }
  });

  it.each([
    ['an API', API_ENTRY],
    ['a worker', WORKER_ENTRY],
  ])('says in one sentence to set METRICS_PORT when %s finds its metrics port taken', async (_, entry) => {
    const { port, server } = await occupy();
    try {
      const { code, output } = await runToEnd(
        entry,
        builtEnv({ PORT: String(await freePort()), METRICS_PORT: String(port) }),
      );
      expect(code).toBe(1);
      expectOneSentence(output, 'METRICS_PORT');
      expect(output).toContain(`metrics cannot listen on 127.0.0.1:${port}: the port is in use`);
    } finally {
      server.close();
    }
  });

  it('runs a second API beside the first once it is given its own PORT and METRICS_PORT', async () => {
    const [first, second] = [
      { port: await freePort(), metrics: await freePort() },
      { port: await freePort(), metrics: await freePort() },
    ].map(({ port, metrics }) =>
      startBuilt(API_ENTRY, builtEnv({ PORT: String(port), METRICS_PORT: String(metrics) })),
    );
    try {
      for (const api of [first, second]) await waitUntilReady(`${api.metrics}`, 30_000, api);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});

/** GET, answering the status and the JSON body (null when there is none). */
async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> | null }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

describe('health and shutdown of the built processes', () => {
  it('the API: from SIGTERM on, readiness answers 503 while it serves everything else for SHUTDOWN_DELAY_SECONDS', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const api = startBuilt(API_ENTRY, builtEnv({ PORT: String(port), SHUTDOWN_DELAY_SECONDS: '3' }));
    try {
      await waitUntilReady(`${base}/health/ready`, 30_000, api);
      const exited = api.stop('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const ready = await getJson(`${base}/health/ready`);
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({
        error: 'SERVICE_UNAVAILABLE',
        details: [{ field: 'shutdown', message: 'down' }],
      });
      // Only readiness: the balancer takes it out while requests in its path are still answered.
      expect((await getJson(`${base}/health/live`)).status).toBe(200);
      expect((await fetch(`${base}/swagger.json`)).status).toBe(200);
      expect(api.child.exitCode).toBeNull();
      expect(await exited).toBe(0);
    } finally {
      await api.stop('SIGKILL');
    }
  });

  it('the worker: liveness and readiness on its metrics port, each dependency named, and a clean exit on SIGTERM', async () => {
    const metricsPort = await freePort();
    const base = `http://127.0.0.1:${metricsPort}`;
    const worker = startBuilt(WORKER_ENTRY, builtEnv({ METRICS_PORT: String(metricsPort) }));
    try {
      await waitUntilReady(`${base}/health/ready`, 30_000, worker);
      expect(await getJson(`${base}/health/live`)).toEqual({ status: 200, body: { status: 'ok' } });
      expect(await getJson(`${base}/health/ready`)).toEqual({
        status: 200,
        body: { status: 'ok', checks: { shutdown: 'up', database: 'up', queue: 'up' } },
      });
      expect((await fetch(`${base}/metrics`)).status).toBe(200);
      expect((await fetch(`${base}/health/other`)).status).toBe(404);
      expect(await worker.stop('SIGTERM')).toBe(0);
    } finally {
      await worker.stop('SIGKILL');
    }
  });

  (TEST_REDIS_URL ? it : it.skip)(
    'the worker: readiness answers 503 naming the queue while Redis cannot be reached',
    async () => {
      const metricsPort = await freePort();
      const base = `http://127.0.0.1:${metricsPort}`;
      const worker = startBuilt(
        WORKER_ENTRY,
        builtEnv({ METRICS_PORT: String(metricsPort), REDIS_URL: 'redis://127.0.0.1:1' }),
      );
      try {
        await waitUntilReady(`${base}/health/live`, 30_000, worker);
        const ready = await getJson(`${base}/health/ready`);
        expect(ready).toEqual({
          status: 503,
          body: { status: 'error', checks: { shutdown: 'up', database: 'up', queue: 'down' } },
        });
        // Which dependency, and nothing of its error.
        expect(JSON.stringify(ready.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
      } finally {
        await worker.stop('SIGKILL');
      }
    },
  );
});

describe('a first start on a fresh PostgreSQL', () => {
  it('creates the database once when the API and the worker start at the same moment', async () => {
    const url = new URL(directDatabaseUrl());
    const name = `referral_fresh_${process.pid}`;
    url.pathname = `/${name}`;
    const admin = new URL(directDatabaseUrl());
    admin.pathname = '/postgres';
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      // Several rounds: the two creates collide only when they run together.
      for (let round = 0; round < 5; round += 1) {
        await client.query(`DROP DATABASE IF EXISTS "${name}"`);
        const results = await Promise.allSettled(Array.from({ length: 6 }, () => ensureDatabase(url.toString())));
        expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
        const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        expect(found.rowCount).toBe(1);
      }
    } finally {
      await client.query(`DROP DATABASE IF EXISTS "${name}"`);
      await client.end();
    }
  });
});

describe('`make run`', () => {
  it('ends its start with where everything is, and stops both processes on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['scripts/run.mjs'], {
      env: {
        ...process.env,
        ...builtEnv({ PORT: String(port), METRICS_PORT: '0', DATABASE_URL: directDatabaseUrl() }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + 30_000;
    while (!/\n {2}queue {7}.*\n/.test(output) && Date.now() < deadline && child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const base = `http://127.0.0.1:${port}`;
    const banner = output.slice(output.indexOf('[run] ready in'));
    expect(banner).toMatch(/^\[run\] ready in \d+\.\d s\n/);
    for (const row of [
      `page        ${base}/`,
      `Swagger UI  ${base}/swagger/`,
      `ReDoc       ${base}/redoc/`,
      `SMS inbox   ${base}/api/v1/dev/sms/?phone_number=`,
      'queues      dashboard off (set QUEUE_DASHBOARD_USER and QUEUE_DASHBOARD_PASSWORD)',
      'metrics     API off, worker off',
      'database    DATABASE_URL (',
    ]) {
      expect(banner).toContain(`\n  ${row}`);
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

describe('the Node.js floor', () => {
  it('is the same in package.json and in the check each entry point runs first', async () => {
    const { NODE_FLOOR } = await import('../libs/platform/src/config/node-version.js');
    const engines = (JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe(`>=${NODE_FLOOR}`);
    expect(readFileSync('.nvmrc', 'utf8').trim().split('.')[0]).toBe(NODE_FLOOR.split('.')[0]);
  });

  it('refuses an older Node.js in one sentence that names the version needed', async () => {
    // The check is the first module each entry point evaluates; here it runs as it would on Node 22.
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `Object.defineProperty(process.versions, 'node', { value: '22.12.0' }); await import(${JSON.stringify(
          new URL('../' + API_ENTRY, import.meta.url).href,
        )});`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expectOneSentence(output, 'Node.js 24.11 or newer');
    expect(output).toContain('this is 22.12.0');
  });
});
