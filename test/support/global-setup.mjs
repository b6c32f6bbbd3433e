// Plain JavaScript: Jest loads global setup and teardown files outside its module mapping.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEmbeddedPostgres } from '../../scripts/embedded-postgres.mjs';
import { hasEngine, startPgBouncer, startRedisCluster } from './engines.mjs';

const MIGRATE = 'dist/apps/api/libs/platform/src/migrate.js';

/**
 * Without TEST_DATABASE_URL (a bare machine), the tests get a throwaway
 * embedded PostgreSQL; without TEST_REDIS_URL, the queue and the per-IP limits
 * run on PostgreSQL too. The test database is created and migrated here, by
 * `npm run migrate` as a deployment does it (`make test` builds first), and
 * dropped by the teardown.
 */
export default async function globalSetup() {
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
