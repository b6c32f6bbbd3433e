import { Check, Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from './user.entity.js';

/** How many live users activated this user's invite code; kept by a trigger on users. */
@Entity('referral_counts')
@Check('referral_counts_referrals_check', 'referrals >= 0')
export class ReferralCountEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'referral_counts_pkey' })
  userId: string;

  @OneToOne(() => UserEntity)
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'referral_counts_user_id_fkey' })
  user?: UserEntity;

  @Column({ type: 'integer', default: 0 })
  referrals: number;
}
