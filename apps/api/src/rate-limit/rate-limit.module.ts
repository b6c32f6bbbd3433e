import { Module } from '@nestjs/common';
import { IpRateLimitGuard } from './rate-limit.guard.js';
import { RateLimitStore } from './rate-limit.store.js';
import { RedisRateLimitStore } from './redis-rate-limit.store.js';

@Module({
  providers: [{ provide: RateLimitStore, useClass: RedisRateLimitStore }, IpRateLimitGuard],
  exports: [RateLimitStore, IpRateLimitGuard],
})
export class RateLimitModule {}
