import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@app/domain';
import { type RedisClient } from '@app/platform';
import { SmsBudgetStore, type BudgetClaim, type Reservation } from './sms-budget.store.js';

/**
 * Each budget is a sorted set of code request ids scored by time (Redis's own
 * clock, so every API process agrees): the window behind now is trimmed and
 * counted, and the request is added to every set only when each has room.
 * ARGV: window ms, the request id, then one limit per key. Answers {0} or
 * {index of the budget that refused, ms until it has room}.
 */
const RESERVE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= tonumber(ARGV[2 + i]) then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    return {i, math.max(1, tonumber(oldest[2]) + window - now)}
  end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[2])
  redis.call('PEXPIRE', key, window)
end
return {0, 0}
`;

type BudgetCommands = {
  smsBudgetReserve(...args: Array<string | number>): Promise<[number, number]>;
};

/**
 * Budgets in Redis. Every key carries one hash tag, so a reservation's keys sit
 * in one slot (a Redis Cluster runs the script on one node). Like the per-IP
 * limits, an unreachable Redis refuses the request (503) rather than let codes
 * out unbudgeted.
 */
@Injectable()
export class RedisSmsBudgetStore extends SmsBudgetStore {
  private readonly redis: RedisClient & BudgetCommands;

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
  ) {
    super();
    this.redis = redis as RedisClient & BudgetCommands;
    this.redis.defineCommand('smsBudgetReserve', { lua: RESERVE });
  }

  private keyOf(key: string): string {
    return `{${this.prefix}:sms-budget}:${key}`;
  }

  async reserve(requestId: string, claims: BudgetClaim[], windowMs: number): Promise<Reservation> {
    const [refused, retryAfterMs] = await this.unavailableAs503(() =>
      this.redis.smsBudgetReserve(
        claims.length,
        ...claims.map((claim) => this.keyOf(claim.key)),
        windowMs,
        requestId,
        ...claims.map((claim) => claim.limit),
      ),
    );
    return refused === 0 ? { granted: true } : { granted: false, key: claims[refused - 1].key, retryAfterMs };
  }

  async release(requestId: string, keys: string[]): Promise<void> {
    await this.unavailableAs503(() => Promise.all(keys.map((key) => this.redis.zrem(this.keyOf(key), requestId))));
  }

  async firstTrip(key: string, windowMs: number): Promise<boolean> {
    const set = await this.unavailableAs503(() =>
      this.redis.set(`${this.keyOf(key)}:tripped`, '1', 'PX', windowMs, 'NX'),
    );
    return set === 'OK';
  }

  private async unavailableAs503<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch {
      throw new DomainError(ErrorCode.SERVICE_UNAVAILABLE);
    }
  }
}
