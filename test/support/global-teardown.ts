import pg from 'pg';
import { Redis } from 'ioredis';
import { TEST_DATABASE_URL, TEST_KEY_PREFIX, TEST_REDIS_URL } from './test-env.js';

/** Leaves nothing behind: the test database is dropped and the test keys deleted. */
export default async function globalTeardown(): Promise<void> {
  if (process.env.KEEP_TEST_DATABASE !== '1') {
    const url = new URL(TEST_DATABASE_URL);
    const name = decodeURIComponent(url.pathname.slice(1));
    url.pathname = '/postgres';
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
  }
  const redis = new Redis(TEST_REDIS_URL);
  try {
    await deleteKeys(redis, `${TEST_KEY_PREFIX}*`);
  } finally {
    redis.disconnect();
  }
}

export async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
