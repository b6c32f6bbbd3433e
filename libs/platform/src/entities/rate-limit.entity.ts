import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Per-client-IP counters for deployments without Redis: one row per key and
 * window. The table is UNLOGGED (losing counters in a crash is harmless), which
 * TypeORM does not describe; the migration makes it so.
 */
@Entity('rate_limits')
@Index('rate_limits_window_ends_idx', ['windowEnds'])
export class RateLimitEntity {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'rate_limits_pkey' })
  key: string;

  @Column({ type: 'integer' })
  hits: number;

  @Column({ name: 'window_ends', type: 'timestamptz' })
  windowEnds: Date;
}
