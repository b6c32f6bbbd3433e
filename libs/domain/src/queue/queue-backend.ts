import { createPostgresBackend, setDefaultBackendFactory, type ConnectionOptions } from 'bullmq';
import type { AppConfig } from '../config/app-config.js';

export interface QueueConnection {
  connection: ConnectionOptions;
  prefix?: string;
}

/** The PostgreSQL schema that holds BullMQ's tables when the queue runs on PostgreSQL. */
export function queueSchema(config: AppConfig): string {
  return `bull_${config.redis.keyPrefix.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;
}

/**
 * Points BullMQ at Redis (REDIS_URL set) or at PostgreSQL (no Redis), and
 * returns the connection options for @nestjs/bullmq. BullMQ's backend choice is
 * process-wide, so this is called once per process, before its queues exist.
 *
 * The API produces: it must fail fast while Redis is away (the sweep catches
 * up). The worker consumes: it must wait a restart out.
 */
export function useQueueBackend(config: AppConfig, role: 'producer' | 'consumer'): QueueConnection {
  if (config.redis.url) {
    setDefaultBackendFactory();
    return {
      connection:
        role === 'producer'
          ? { url: config.redis.url, enableOfflineQueue: false }
          : { url: config.redis.url, maxRetriesPerRequest: null },
      prefix: `${config.redis.keyPrefix}:bull`,
    };
  }
  setDefaultBackendFactory(createPostgresBackend);
  const pool = {
    connectionString: config.database.url,
    schema: queueSchema(config),
    // BullMQ creates and upgrades its tables on connect, under an advisory lock.
    migrate: true,
    max: role === 'producer' ? 4 : 8,
    connectionTimeoutMillis: 5000,
    application_name: role === 'producer' ? 'referral-api-queue' : 'referral-worker-queue',
  };
  // The PostgreSQL backend takes a pool config where the Redis one takes ioredis options.
  return { connection: pool };
}
