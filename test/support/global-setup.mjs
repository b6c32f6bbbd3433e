// Plain JavaScript: Jest loads global setup and teardown files outside its module mapping.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEmbeddedPostgres } from '../../scripts/embedded-postgres.mjs';
import pg from 'pg';
import { hasEngine, startPgBouncer, startRedisCluster } from './engines.mjs';
import { workerDatabaseName } from './worker-database.mjs';

const MIGRATE = 'dist/apps/api/libs/platform/src/migrate.js';

/**
 * Without TEST_DATABASE_URL (a bare machine), the tests get a throwaway
 * embedded PostgreSQL; without TEST_REDIS_URL, the queue and the per-IP limits
 * run on PostgreSQL too. The test database is created and migrated here, by
 * `npm run migrate` as a deployment does it (`make test` builds first), and
 * dropped by the teardown.
 */
export default async function globalSetup(globalConfig) {
  // Each test file appends how many answers it checked against the OpenAPI document (count-answers.ts).
  process.env.OPENAPI_CHECK_LOG = join(mkdtempSync(join(tmpdir(), 'referral-openapi-')), 'checked.log');
  if (!process.env.TEST_DATABASE_URL) {
    const dataDir = mkdtempSync(join(tmpdir(), 'referral-test-pg-'));
    const server = await startEmbeddedPostgres({ dataDir, database: 'postgres', throwaway: true });
    process.env.TEST_DATABASE_URL = server.url.replace(/\/postgres$/, '/referral_test');
    globalThis.embeddedPostgres = { server, dataDir };
  }
  if (!existsSync(MIGRATE)) throw new Error(`${MIGRATE} is missing: run \`npm run build\` first (\`make test\` does)`);
  await promisify(execFile)(process.execPath, [MIGRATE], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      DATA_DIR: join(tmpdir(), 'referral-test-data'),
    },
  });
  // One copy of the migrated database per Jest worker: test files run in parallel, each on its worker's
  // copy (environment.mjs points TEST_DATABASE_URL at it), so no file empties another's tables.
  await createWorkerDatabases(process.env.TEST_DATABASE_URL, Math.max(1, globalConfig?.maxWorkers ?? 1));
  // For the teardown: run in band, the test environment rewrites this process's TEST_DATABASE_URL.
  globalThis.testDatabaseUrl = process.env.TEST_DATABASE_URL;
  // The same tests on the engines a scaled deployment puts under the processes (make test-scale).
  if (process.env.TEST_PGBOUNCER === '1' && hasEngine('pgbouncer', 'pgbouncer')) {
    const direct = new URL(process.env.TEST_DATABASE_URL);
    const bouncer = await startPgBouncer({ host: direct.hostname, port: Number(direct.port || 5432) });
    process.env.TEST_DATABASE_DIRECT_URL = process.env.TEST_DATABASE_URL;
    process.env.TEST_DATABASE_URL = bouncer.through(process.env.TEST_DATABASE_URL);
    globalThis.pgBouncer = bouncer;
  }
  if (process.env.TEST_REDIS_CLUSTER === '1' && hasEngine('redis-cli', 'redis-tools')) {
    const cluster = await startRedisCluster();
    process.env.TEST_REDIS_CLUSTER_NODES = cluster.seeds;
    delete process.env.TEST_REDIS_URL;
    globalThis.redisCluster = cluster;
  }
}

/** `CREATE DATABASE … TEMPLATE` the migrated one, once per worker: a copy takes milliseconds, a migration seconds. */
async function createWorkerDatabases(databaseUrl, workers) {
  const url = new URL(databaseUrl);
  const template = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    for (let worker = 1; worker <= workers; worker++) {
      const name = workerDatabaseName(template, worker).replace(/"/g, '""');
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template.replace(/"/g, '""')}"`);
    }
  } finally {
    await client.end();
  }
}
