import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { AppConfig } from '@app/domain';
import { IpRateLimitGuard } from './rate-limit.guard.js';
import { PostgresRateLimitStore } from './postgres-rate-limit.store.js';
import { RateLimitStore } from './rate-limit.store.js';
import { RedisRateLimitStore } from './redis-rate-limit.store.js';

/** The per-IP counters live in Redis when there is one, in PostgreSQL otherwise: shared by every API process. */
@Global()
@Module({})
export class RateLimitModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: RateLimitModule,
      providers: [
        { provide: RateLimitStore, useClass: config.redis.url ? RedisRateLimitStore : PostgresRateLimitStore },
        IpRateLimitGuard,
      ],
      exports: [RateLimitStore, IpRateLimitGuard],
    };
  }
}
