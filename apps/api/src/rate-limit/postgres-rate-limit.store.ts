import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from '@app/domain';
import { RateLimitStore, type WindowHit } from './rate-limit.store.js';

/**
 * Counters in PostgreSQL, for deployments without Redis: one upsert per hit,
 * atomic under the row's lock, so every API process shares the same count.
 * The table is UNLOGGED: counters need not survive a crash, and skip the WAL.
 */
@Injectable()
export class PostgresRateLimitStore extends RateLimitStore {
  private readonly prefix: string;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    config: AppConfig,
  ) {
    super();
    this.prefix = `${config.redis.keyPrefix}:`;
  }

  async hit(key: string, windowMs: number): Promise<WindowHit> {
    const [row] = await this.db.query<Array<{ hits: number; ms_left: number }>>(
      `INSERT INTO rate_limits (key, hits, window_ends) VALUES ($1, 1, clock_timestamp() + make_interval(secs => $2 / 1000.0))
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN rate_limits.window_ends <= clock_timestamp() THEN 1 ELSE rate_limits.hits + 1 END,
         window_ends = CASE WHEN rate_limits.window_ends <= clock_timestamp() THEN EXCLUDED.window_ends
                            ELSE rate_limits.window_ends END
       RETURNING hits, ceil(extract(epoch FROM window_ends - clock_timestamp()) * 1000)::int AS ms_left`,
      [this.prefix + key, windowMs],
    );
    return { hits: row?.hits ?? 1, msLeft: Math.max(0, row?.ms_left ?? windowMs) };
  }
}
