import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { createPostgresBackend, setDefaultBackendFactory, type ConnectionOptions } from 'bullmq';
import type { AppConfig } from '../config/app-config.js';
import { createRedisClient, type RedisClient } from './redis-client.js';

export interface QueueConnection {
  connection: ConnectionOptions;
  prefix?: string;
}

/** The PostgreSQL schema that holds BullMQ's tables when the queue runs on PostgreSQL. */
export function queueSchema(config: AppConfig): string {
  return `bull_${config.redis.keyPrefix.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;
}

/**
 * BullMQ's key prefix on Redis, hash-tagged whole (`{<REDIS_KEY_PREFIX>:bull}`):
 * BullMQ's scripts touch several keys of a queue at once, which a Redis
 * Cluster allows only within one slot (CROSSSLOT otherwise). The same on a
 * single Redis, so moving to a cluster renames nothing.
 */
export function queuePrefix(config: AppConfig): string {
  return `{${config.redis.keyPrefix}:bull}`;
}

/**
 * Points BullMQ at Redis (REDIS_URL), a Redis Cluster (REDIS_CLUSTER_NODES) or
 * PostgreSQL (neither), and returns the connection options for
 * @nestjs/bullmq. BullMQ's backend choice is process-wide, so this is called
 * once per process, before its queues exist. On a cluster the connection is
 * one ioredis `Cluster` the process's queues share (BullMQ takes no cluster
 * settings, only a client); the caller closes it (QueueBackendModule does).
 *
 * The API produces: it must fail fast while Redis is away (the sweep catches
 * up). The worker consumes: it must wait a restart out.
 *
 * On PostgreSQL BullMQ listens for new jobs and migrates under an advisory
 * lock: session state, so it connects to DATABASE_DIRECT_URL, never through a
 * transaction-mode pooler.
 */
export function useQueueBackend(config: AppConfig, role: 'producer' | 'consumer'): QueueConnection {
  if (config.queue.backend === 'redis') {
    setDefaultBackendFactory();
    const options = role === 'producer' ? { enableOfflineQueue: false } : { maxRetriesPerRequest: null };
    return {
      connection: config.redis.cluster ? createRedisClient(config, options)! : { url: config.redis.url!, ...options },
      prefix: queuePrefix(config),
    };
  }
  setDefaultBackendFactory(createPostgresBackend);
  const pool = {
    connectionString: config.database.directUrl,
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

const SHARED_CONNECTION = Symbol('queue shared connection');

/** Closes the cluster client the queues share, once they are closed (BullMQ leaves a client it was given open). */
class SharedConnectionCloser implements OnApplicationShutdown {
  constructor(@Inject(SHARED_CONNECTION) private readonly client: RedisClient | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.client?.quit().catch(() => this.client?.disconnect());
  }
}

/** BullModule.forRoot on this deployment's queue backend, with the shared cluster client closed at shutdown. */
@Module({})
export class QueueBackendModule {
  static forRoot(config: AppConfig, role: 'producer' | 'consumer'): DynamicModule {
    const backend = useQueueBackend(config, role);
    const shared = config.redis.cluster ? (backend.connection as RedisClient) : null;
    return {
      module: QueueBackendModule,
      global: true,
      imports: [BullModule.forRoot(backend)],
      providers: [{ provide: SHARED_CONNECTION, useValue: shared }, SharedConnectionCloser],
      exports: [BullModule],
    };
  }
}
