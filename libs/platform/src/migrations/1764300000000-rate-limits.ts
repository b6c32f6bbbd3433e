import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-IP counters for deployments without Redis. UNLOGGED: losing them in a crash is harmless. */
export class RateLimits1764300000000 implements MigrationInterface {
  name = 'RateLimits1764300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE UNLOGGED TABLE rate_limits (
        key text PRIMARY KEY,
        hits integer NOT NULL,
        window_ends timestamptz NOT NULL
      )`);
    await db.query(`CREATE INDEX rate_limits_window_ends_idx ON rate_limits (window_ends)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE rate_limits`);
  }
}
