import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Module } from '@nestjs/common';
import { ThrottlerModule, type ThrottlerStorage } from '@nestjs/throttler';
import { getDataSourceToken } from '@nestjs/typeorm';
import { Cluster } from 'ioredis';
import type { DataSource } from 'typeorm';
import { DomainError, ErrorCode } from '@app/domain';
import { AppConfig, type RedisClient } from '@app/platform';
import { COUNTERS_REDIS, CountersModule } from '../common/counters.module.js';
import { IpThrottlerGuard, type IpLimit } from './ip-throttler.guard.js';
import { PostgresThrottlerStore } from './postgres-throttler.store.js';

/**
 * A storage that answers within a second or refuses the request with 503: these
 * limits are what stands between an attacker and an SMS bill, so an
 * unreachable Redis never lets requests through unlimited.
 */
class FailClosed implements ThrottlerStorage {
  constructor(private readonly inner: ThrottlerStorage) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    block: number,
    name: string,
  ): ReturnType<ThrottlerStorage['increment']> {
    try {
      return await this.inner.increment(key, ttl, limit, block, name);
    } catch {
      throw new DomainError(ErrorCode.SERVICE_UNAVAILABLE);
    }
  }
}

/** The storage takes a single Redis or a cluster, by two constructor overloads. */
function redisStorage(redis: RedisClient): ThrottlerStorage {
  return redis instanceof Cluster ? new ThrottlerStorageRedisService(redis) : new ThrottlerStorageRedisService(redis);
}

/**
 * The per-client-IP limits (@nestjs/throttler), shared by every API process:
 * counted in Redis when there is one (@nest-lab/throttler-storage-redis), in
 * PostgreSQL otherwise.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      imports: [CountersModule],
      inject: [COUNTERS_REDIS, getDataSourceToken(), AppConfig],
      useFactory: (redis: RedisClient | null, db: DataSource, config: AppConfig) => {
        const sizes: Record<IpLimit, { limit: number; windowSeconds: number }> = {
          signup: config.rateLimits.signupPerIp,
          verify: config.rateLimits.verifyPerIp,
          token: config.rateLimits.tokenPerIp,
        };
        return {
          throttlers: Object.entries(sizes).map(([name, { limit, windowSeconds }]) => ({
            name,
            limit,
            ttl: windowSeconds * 1000,
          })),
          storage: new FailClosed(redis ? redisStorage(redis) : new PostgresThrottlerStore(db)),
          // Keys of this deployment's own, readable: `<REDIS_KEY_PREFIX>:rate:<limit>:<client>`.
          generateKey: (_context, tracker, name) => `${config.redis.keyPrefix}:rate:${name}:${tracker}`,
          setHeaders: false,
        };
      },
    }),
  ],
  providers: [IpThrottlerGuard],
  exports: [ThrottlerModule, IpThrottlerGuard],
})
export class RateLimitModule {}
