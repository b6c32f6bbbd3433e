// Plain JavaScript, shared by the global teardown (which Jest loads outside its module mapping) and the stacks.
import { Redis } from 'ioredis';

/** Deletes every key matching `pattern`; a Redis that cannot be reached has none to delete. */
export async function deleteKeys(url, pattern) {
  if (!url) return;
  const redis = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: true });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch {
    redis.disconnect();
    return;
  }
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
