// Plain JavaScript: Jest loads global setup and teardown files outside its module mapping.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDatabase, startEmbeddedPostgres } from '../../scripts/embedded-postgres.mjs';

/**
 * Without TEST_DATABASE_URL (a bare machine), the tests get a throwaway
 * embedded PostgreSQL; without TEST_REDIS_URL, the queue and the per-IP limits
 * run on PostgreSQL too. The test database is created here (the apps migrate it
 * when they start) and dropped by the teardown.
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
  const url = new URL(process.env.TEST_DATABASE_URL);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  await ensureDatabase(url.toString(), name);
}
