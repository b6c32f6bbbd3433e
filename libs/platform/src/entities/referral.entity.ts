import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { ReferralSignals, ReferralState, ReferralVerdict } from '@app/domain';
import { UserEntity } from './user.entity.js';

/**
 * One referral: a user who activated someone's invite code, and its life
 * (SPEC section 13, the referral lifecycle migration). Made by a trigger at
 * the activation; moved only by the lifecycle's functions.
 */
@Entity('referrals')
@Check('referrals_state_check', `state IN ('pending', 'qualified', 'final', 'void')`)
@Check('referrals_verdict_check', `verdict IN ('clear', 'review', 'reject')`)
@Check(
  'referrals_life_check',
  `(state = 'pending' AND qualified_at IS NULL AND final_at IS NULL AND voided_at IS NULL)
          OR (state = 'qualified' AND qualified_at IS NOT NULL AND final_due IS NOT NULL AND final_at IS NULL
              AND voided_at IS NULL)
          OR (state = 'final' AND final_at IS NOT NULL AND voided_at IS NULL AND verdict = 'clear')
          OR (state = 'void' AND voided_at IS NOT NULL AND void_reason IS NOT NULL)`,
)
@Index('referrals_referee_key', ['refereeId'], { unique: true })
@Index('referrals_referrer_idx', ['referrerId', 'activatedAt'])
// Descending, and partial with an IN list: the migration's.
@Index('referrals_activated_idx', { synchronize: false })
@Index('referrals_review_idx', { synchronize: false })
@Index('referrals_due_idx', ['finalDue'], { where: `state = 'qualified' AND verdict = 'clear'` })
export class ReferralEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'referrals_pkey' })
  id: string;

  @Column({ name: 'referee_id', type: 'uuid' })
  refereeId: string;

  @ManyToOne(() => UserEntity)
  @JoinColumn({ name: 'referee_id', foreignKeyConstraintName: 'referrals_referee_id_fkey' })
  referee?: UserEntity;

  @Column({ name: 'referrer_id', type: 'uuid' })
  referrerId: string;

  @ManyToOne(() => UserEntity)
  @JoinColumn({ name: 'referrer_id', foreignKeyConstraintName: 'referrals_referrer_id_fkey' })
  referrer?: UserEntity;

  @Column({ name: 'referral_code', type: 'char', length: 6 })
  referralCode: string;

  @Column({ type: 'varchar', length: 12, default: 'pending' })
  state: ReferralState;

  @Column({ type: 'varchar', length: 8, default: 'clear' })
  verdict: ReferralVerdict;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  signals: ReferralSignals;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  flags: string[];

  @Column({ name: 'activated_at', type: 'timestamptz' })
  activatedAt: Date;

  @Column({ name: 'qualified_at', type: 'timestamptz', nullable: true })
  qualifiedAt: Date | null;

  @Column({ name: 'qualifying_action', type: 'varchar', length: 100, nullable: true })
  qualifyingAction: string | null;

  @Column({ name: 'final_due', type: 'timestamptz', nullable: true })
  finalDue: Date | null;

  @Column({ name: 'final_at', type: 'timestamptz', nullable: true })
  finalAt: Date | null;

  @Column({ name: 'voided_at', type: 'timestamptz', nullable: true })
  voidedAt: Date | null;

  @Column({ name: 'void_reason', type: 'varchar', length: 200, nullable: true })
  voidReason: string | null;

  @Column({ name: 'reviewed_at', type: 'timestamptz', nullable: true })
  reviewedAt: Date | null;

  @Column({ name: 'reviewed_by', type: 'varchar', length: 64, nullable: true })
  reviewedBy: string | null;
}

/** One step of a referral's life, a row of its own (append-only: a trigger refuses changes). */
@Entity('referral_moves')
@Check(
  'referral_moves_step_check',
  `step IN ('activated', 'flagged', 'qualified', 'final', 'approved', 'rejected', 'voided')`,
)
@Index('referral_moves_referral_idx', ['referralId', 'id'])
export class ReferralMoveEntity {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'referral_moves_pkey',
  })
  id: string;

  @Column({ name: 'referral_id', type: 'uuid' })
  referralId: string;

  @ManyToOne(() => ReferralEntity)
  @JoinColumn({ name: 'referral_id', foreignKeyConstraintName: 'referral_moves_referral_id_fkey' })
  referral?: ReferralEntity;

  @Column({ type: 'varchar', length: 12 })
  step: string;

  /** The state after the step. */
  @Column({ type: 'varchar', length: 12 })
  state: ReferralState;

  /** invitee, system, migration, host:<key id>, admin:<user id>. */
  @Column({ type: 'varchar', length: 64 })
  actor: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  reason: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  action: string | null;

  @Column({ type: 'timestamptz', default: () => 'clock_timestamp()' })
  at: Date;
}

/** A call of the host's backend on a referral, by the host's own event id: a retry is answered as the first. */
@Entity('referral_host_calls')
@Check('referral_host_calls_call_check', `call IN ('qualify', 'void')`)
export class ReferralHostCallEntity {
  @PrimaryColumn({
    name: 'event_id',
    type: 'varchar',
    length: 200,
    primaryKeyConstraintName: 'referral_host_calls_pkey',
  })
  eventId: string;

  @Column({ type: 'varchar', length: 8 })
  call: 'qualify' | 'void';

  @Column({ name: 'referral_id', type: 'uuid' })
  referralId: string;

  @ManyToOne(() => ReferralEntity)
  @JoinColumn({ name: 'referral_id', foreignKeyConstraintName: 'referral_host_calls_referral_id_fkey' })
  referral?: ReferralEntity;

  @Column({ type: 'varchar', length: 16 })
  outcome: string;

  @Column({ type: 'timestamptz', default: () => 'clock_timestamp()' })
  at: Date;
}

/**
 * The reward ledger, append-only: grants, their reversals (the amount negated)
 * and their fulfilments (amount 0), each reversal and fulfilment pointing at
 * its grant. The unique indexes make "never two for one" a database rule.
 */
@Entity('reward_entries')
@Check('reward_entries_kind_check', `kind IN ('grant', 'reversal', 'fulfilment')`)
@Check('reward_entries_role_check', `role IN ('inviter', 'invitee', 'milestone')`)
@Check(
  'reward_entries_shape_check',
  `(kind = 'grant' AND of_entry IS NULL AND amount > 0)
          OR (kind = 'reversal' AND of_entry IS NOT NULL AND amount < 0)
          OR (kind = 'fulfilment' AND of_entry IS NOT NULL AND amount = 0)`,
)
@Check('reward_entries_milestone_check', `(role = 'milestone') = (milestone IS NOT NULL)`)
@Index('reward_entries_referral_grant_key', ['referralId', 'role'], {
  unique: true,
  where: `kind = 'grant' AND role <> 'milestone'`,
})
@Index('reward_entries_milestone_grant_key', ['userId', 'milestone', 'occurrence'], {
  unique: true,
  where: `kind = 'grant' AND role = 'milestone'`,
})
@Index('reward_entries_of_entry_key', ['ofEntry', 'kind'], { unique: true })
// Descending: the migration's.
@Index('reward_entries_user_idx', { synchronize: false })
@Index('reward_entries_referral_idx', ['referralId'])
export class RewardEntryEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'reward_entries_pkey' })
  id: string;

  @Column({ type: 'varchar', length: 12 })
  kind: 'grant' | 'reversal' | 'fulfilment';

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => UserEntity)
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'reward_entries_user_id_fkey' })
  user?: UserEntity;

  @Column({ name: 'referral_id', type: 'uuid' })
  referralId: string;

  @ManyToOne(() => ReferralEntity)
  @JoinColumn({ name: 'referral_id', foreignKeyConstraintName: 'reward_entries_referral_id_fkey' })
  referral?: ReferralEntity;

  @Column({ type: 'varchar', length: 12 })
  role: 'inviter' | 'invitee' | 'milestone';

  @Column({ type: 'integer', nullable: true })
  milestone: number | null;

  @Column({ type: 'integer', default: 1 })
  occurrence: number;

  @Column({ type: 'numeric', precision: 20, scale: 4 })
  amount: string;

  @Column({ type: 'varchar', length: 32 })
  unit: string;

  @Column({ name: 'of_entry', type: 'uuid', nullable: true })
  ofEntry: string | null;

  @ManyToOne(() => RewardEntryEntity)
  @JoinColumn({ name: 'of_entry', foreignKeyConstraintName: 'reward_entries_of_entry_fkey' })
  grant?: RewardEntryEntity;

  /** A reversal's reason, a fulfilment's reference. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  note: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  createdAt: Date;
}
