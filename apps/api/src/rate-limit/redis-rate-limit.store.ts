import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig, DomainError, ErrorCode } from '@app/domain';
import { RateLimitStore, type WindowHit } from './rate-limit.store.js';

/** INCR, and start the window on the first hit, atomically; answers hits and milliseconds left. */
const HIT = `
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {hits, ttl}
`;

type HitCommand = { rateLimitHit(key: string, windowMs: number): Promise<[number, number]> };

/**
 * Counters in Redis. When Redis cannot answer within a second the request is
 * refused with 503 rather than let through unlimited: these limits are what
 * stands between an attacker and an SMS bill.
 */
@Injectable()
export class RedisRateLimitStore extends RateLimitStore implements OnApplicationShutdown {
  private readonly redis: Redis & HitCommand;
  private readonly prefix: string;

  constructor(config: AppConfig) {
    super();
    this.prefix = `${config.redis.keyPrefix}:rate:`;
    if (!config.redis.url) throw new Error('RedisRateLimitStore needs REDIS_URL');
    this.redis = new Redis(config.redis.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 1000,
    }) as Redis & HitCommand;
    // Failures surface on the commands; without a listener ioredis would print every reconnect.
    this.redis.on('error', () => undefined);
    this.redis.defineCommand('rateLimitHit', { numberOfKeys: 1, lua: HIT });
  }

  async hit(key: string, windowMs: number): Promise<WindowHit> {
    try {
      const [hits, msLeft] = await this.redis.rateLimitHit(this.prefix + key, windowMs);
      return { hits, msLeft };
    } catch {
      throw new DomainError(ErrorCode.SERVICE_UNAVAILABLE);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
