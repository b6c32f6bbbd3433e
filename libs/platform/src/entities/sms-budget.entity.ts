import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One code counted against one budget, for deployments without Redis (see the sms-gateways-and-budgets migration). */
@Entity('sms_budget_hits')
@Index('sms_budget_hits_key_at_idx', ['key', 'at'])
export class SmsBudgetHitEntity {
  @PrimaryColumn({ type: 'varchar', length: 64, primaryKeyConstraintName: 'sms_budget_hits_pkey' })
  key: string;

  @PrimaryColumn({ name: 'code_request_id', type: 'uuid', primaryKeyConstraintName: 'sms_budget_hits_pkey' })
  codeRequestId: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;
}

/** A budget's hits in sms_budget_hits, counted by its triggers (see the sms-budget-counts migration). */
@Entity('sms_budget_counts')
export class SmsBudgetCountEntity {
  @PrimaryColumn({ type: 'varchar', length: 64, primaryKeyConstraintName: 'sms_budget_counts_pkey' })
  key: string;

  @Column({ type: 'integer' })
  hits: number;
}

/** A budget that tripped, until its window ends: its warning is logged once. */
@Entity('sms_budget_trips')
export class SmsBudgetTripEntity {
  @PrimaryColumn({ type: 'varchar', length: 64, primaryKeyConstraintName: 'sms_budget_trips_pkey' })
  key: string;

  @Column({ type: 'timestamptz' })
  until: Date;
}
