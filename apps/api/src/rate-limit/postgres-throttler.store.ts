import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { DataSource } from 'typeorm';

/**
 * @nestjs/throttler's storage in PostgreSQL, for deployments without Redis (no
 * such storage exists as a package): one upsert per hit, atomic under the row's
 * lock, so every API process shares the count. The window is fixed: past the
 * limit, a client waits for the window to end. The table is UNLOGGED: counters
 * need not survive a crash, and skip the WAL.
 */
@Injectable()
export class PostgresThrottlerStore implements ThrottlerStorage {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async increment(key: string, ttlMs: number, limit: number): ReturnType<ThrottlerStorage['increment']> {
    const [row] = await this.db.query<Array<{ hits: number; ms_left: number }>>(
      `INSERT INTO rate_limits (key, hits, window_ends) VALUES ($1, 1, clock_timestamp() + make_interval(secs => $2 / 1000.0))
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN rate_limits.window_ends <= clock_timestamp() THEN 1 ELSE rate_limits.hits + 1 END,
         window_ends = CASE WHEN rate_limits.window_ends <= clock_timestamp() THEN EXCLUDED.window_ends
                            ELSE rate_limits.window_ends END
       RETURNING hits, ceil(extract(epoch FROM window_ends - clock_timestamp()) * 1000)::int AS ms_left`,
      [key, ttlMs],
    );
    const secondsLeft = Math.max(1, Math.ceil(Math.max(0, row.ms_left) / 1000));
    const isBlocked = row.hits > limit;
    return {
      totalHits: row.hits,
      timeToExpire: secondsLeft,
      isBlocked,
      timeToBlockExpire: isBlocked ? secondsLeft : 0,
    };
  }
}
