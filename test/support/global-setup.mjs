// Plain JavaScript: Jest loads global setup and teardown files outside its module mapping.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEmbeddedPostgres } from '../../scripts/embedded-postgres.mjs';

const MIGRATE = 'dist/apps/api/libs/domain/src/migrate.js';

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
      JWT_SECRET: 'migrations-need-no-secret-but-the-settings-want-one',
      DATA_DIR: join(tmpdir(), 'referral-test-data'),
    },
  });
}
