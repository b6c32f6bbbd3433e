import { Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AppConfig, createRedisClient, type RedisClient } from '@app/platform';

/** The Redis connection of the counters every API process shares (per-IP limits, SMS budgets), or null without Redis. */
export const COUNTERS_REDIS = Symbol('counters redis');

class CountersConnection implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(COUNTERS_REDIS) private readonly redis: RedisClient | null) {}

  /** Connected before the first request (commands do not queue); a Redis that is down is retried in the background. */
  async onModuleInit(): Promise<void> {
    await this.redis?.connect().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }
}

/**
 * One connection for the shared counters. Commands fail at once rather than
 * queue while Redis is away, and within a second: the counters' callers refuse
 * the request (503) rather than let it through uncounted.
 */
@Module({
  providers: [
    {
      provide: COUNTERS_REDIS,
      inject: [AppConfig],
      useFactory: (config: AppConfig): RedisClient | null => {
        const redis = createRedisClient(config, {
          lazyConnect: true,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          commandTimeout: 1000,
        });
        // Failures surface on the commands; without a listener ioredis would print every reconnect.
        redis?.on('error', () => undefined);
        return redis;
      },
    },
    CountersConnection,
  ],
  exports: [COUNTERS_REDIS],
})
export class CountersModule {}
