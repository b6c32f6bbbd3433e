import { Check, Column, Entity, Index, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from './user.entity.js';

/**
 * How many live users activated this user's invite code (a trigger on users),
 * and how many of their referrals are in each state (a trigger on referrals).
 */
@Entity('referral_counts')
@Check('referral_counts_referrals_check', 'referrals >= 0')
@Check('referral_counts_pending_check', 'pending >= 0')
@Check('referral_counts_qualified_check', 'qualified >= 0')
@Check('referral_counts_final_check', 'final >= 0')
@Check('referral_counts_void_check', 'void >= 0')
@Check('referral_counts_in_review_check', 'in_review >= 0')
// The leaderboard's, descending: the migration's.
@Index('referral_counts_final_idx', { synchronize: false })
export class ReferralCountEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'referral_counts_pkey' })
  userId: string;

  @OneToOne(() => UserEntity)
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'referral_counts_user_id_fkey' })
  user?: UserEntity;

  @Column({ type: 'integer', default: 0 })
  referrals: number;

  @Column({ type: 'integer', default: 0 })
  pending: number;

  @Column({ type: 'integer', default: 0 })
  qualified: number;

  @Column({ type: 'integer', default: 0 })
  final: number;

  @Column({ type: 'integer', default: 0 })
  void: number;

  /** Waiting for an admin: verdict review, neither final nor void. */
  @Column({ name: 'in_review', type: 'integer', default: 0 })
  inReview: number;
}
