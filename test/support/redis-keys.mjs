// Plain JavaScript, shared by the global teardown (which Jest loads outside its module mapping) and the stacks.
import { Cluster, Redis } from 'ioredis';

async function deleteOnNode(redis, pattern) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    // One by one: on a cluster the keys of one node may still sit in different slots.
    for (const key of keys) await redis.unlink(key);
  } while (cursor !== '0');
}

/**
 * Deletes every key matching `pattern` on a Redis (its URL) or a Redis Cluster
 * (its seed nodes, every master scanned); a Redis that cannot be reached has
 * none to delete.
 */
export async function deleteKeys(target, pattern) {
  if (!target || (Array.isArray(target) && target.length === 0)) return;
  const redis = Array.isArray(target)
    ? new Cluster(target, {
        lazyConnect: true,
        clusterRetryStrategy: () => null,
        redisOptions: { maxRetriesPerRequest: 1 },
      })
    : new Redis(target, { maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: true });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch {
    redis.disconnect();
    return;
  }
  try {
    if (redis instanceof Cluster) for (const node of redis.nodes('master')) await deleteOnNode(node, pattern);
    else await deleteOnNode(redis, pattern);
  } finally {
    redis.disconnect();
  }
}
