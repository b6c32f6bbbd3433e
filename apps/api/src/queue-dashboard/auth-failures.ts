import type { DataSource } from 'typeorm';
import type { RedisClient } from '@app/platform';
import { PostgresThrottlerStore } from '../rate-limit/postgres-throttler.store.js';

/** Wrong dashboard credentials allowed per client address in one window; past them, every try is refused. */
export const DASHBOARD_AUTH_FAILURES = { limit: 10, windowSeconds: 15 * 60 } as const;

export interface AuthFailures {
  /** Seconds until the address may try again, or 0 when it may try now. Counting nothing. */
  blockedFor(address: string): Promise<number>;
  /** Counts one wrong try of the address. */
  fail(address: string): Promise<void>;
}

/**
 * Wrong basic-auth tries per client address, shared by every API process: in
 * Redis when there is one (the counters' connection), in PostgreSQL's
 * `rate_limits` otherwise, through the per-IP limits' PostgresThrottlerStore
 * (@nestjs/throttler's storage has no way to read a count without adding to it,
 * hence the read of its own). A fixed window that opens at the first failure. A
 * store that does not answer throws, and the dashboard answers 503: a guessing
 * run never goes uncounted.
 */
export function authFailures(keyPrefix: string, redis: RedisClient | null, db: DataSource): AuthFailures {
  const { limit, windowSeconds } = DASHBOARD_AUTH_FAILURES;
  const keyOf = (address: string) => `${keyPrefix}:dashboard-auth:${address}`;
  if (redis) {
    return {
      async blockedFor(address) {
        const [hits, msLeft] = await Promise.all([redis.get(keyOf(address)), redis.pttl(keyOf(address))]);
        return Number(hits ?? 0) >= limit && msLeft > 0 ? Math.ceil(msLeft / 1000) : 0;
      },
      async fail(address) {
        await redis.multi().incr(keyOf(address)).expire(keyOf(address), windowSeconds, 'NX').exec();
      },
    };
  }
  const store = new PostgresThrottlerStore(db);
  return {
    async blockedFor(address) {
      const [row] = await db.query<Array<{ seconds_left: number }>>(
        `SELECT ceil(extract(epoch FROM window_ends - clock_timestamp()))::int AS seconds_left
           FROM rate_limits WHERE key = $1 AND hits >= $2 AND window_ends > clock_timestamp()`,
        [keyOf(address), limit],
      );
      return row ? Math.max(1, row.seconds_left) : 0;
    },
    async fail(address) {
      // The per-IP limits' own counter (one atomic upsert, a window that opens at the first hit).
      await store.increment(keyOf(address), windowSeconds * 1000, limit);
    },
  };
}
