// Plain JavaScript: Jest loads global setup and teardown files outside its module mapping.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import { deleteKeys } from './redis-keys.mjs';
import { workerDatabasePattern } from './worker-database.mjs';

/** Leaves nothing behind: the test database and its workers' copies are dropped, every test key deleted, a throwaway server removed. */
export default async function globalTeardown() {
  const log = process.env.OPENAPI_CHECK_LOG;
  if (log && existsSync(log)) {
    const counts = readFileSync(log, 'utf8').split('\n').filter(Boolean).map(Number);
    const total = counts.reduce((sum, count) => sum + count, 0);
    console.log(`\nOpenAPI: ${total} answers checked against the document, in ${counts.length} test files`);
  }
  if (log) rmSync(dirname(log), { recursive: true, force: true });

  await globalThis.pgBouncer?.stop();
  await globalThis.redisCluster?.stop();
  const databaseUrl = globalThis.testDatabaseUrl;
  if (databaseUrl && process.env.KEEP_TEST_DATABASE !== '1') {
    const url = new URL(databaseUrl);
    const name = decodeURIComponent(url.pathname.slice(1));
    url.pathname = '/postgres';
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
        workerDatabasePattern(name),
      ]);
      for (const { datname } of [...rows, { datname: name }])
        await client.query(`DROP DATABASE IF EXISTS "${datname.replace(/"/g, '""')}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
  }

  await deleteKeys(process.env.TEST_REDIS_URL, 'referral-test*');
  await deleteKeys(process.env.TEST_REDIS_URL, '{referral-test*');

  const embedded = globalThis.embeddedPostgres;
  if (embedded) {
    await embedded.server.stop();
    rmSync(embedded.dataDir, { recursive: true, force: true });
  }
}
