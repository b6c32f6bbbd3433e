import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { AppConfig } from '../config/app-config.js';

export type RedisClient = Redis | Cluster;

/**
 * A connection to this deployment's Redis: REDIS_URL, or the Redis Cluster of
 * REDIS_CLUSTER_NODES (ioredis `Cluster`, which follows the slots as they move
 * in a failover); null when there is neither. `options` are per connection:
 * for a cluster they apply to each node's, except the offline queue and
 * lazyConnect, which are the cluster's own.
 */
export function createRedisClient(config: AppConfig, options: RedisOptions = {}): RedisClient | null {
  const { url, cluster } = config.redis;
  if (cluster) {
    const { enableOfflineQueue, lazyConnect, ...nodeOptions } = options;
    return new Cluster(cluster.nodes, {
      enableOfflineQueue,
      lazyConnect,
      redisOptions: {
        ...nodeOptions,
        username: cluster.username,
        password: cluster.password,
        ...(cluster.tls ? { tls: {} } : {}),
      },
      // Managed clusters announce names their certificates hold: connect by the name, not a looked-up address.
      dnsLookup: (address, callback) => callback(null, address),
      // While a replica takes over (cluster-node-timeout and an election), ask again rather than fail at once.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 300,
      retryDelayOnTryAgain: 200,
      slotsRefreshTimeout: 2_000,
    });
  }
  return url ? new Redis(url, options) : null;
}
