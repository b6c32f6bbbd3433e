import { Column, Entity, PrimaryColumn } from 'typeorm';

/** How many live users activated this user's invite code; kept by a trigger on users. */
@Entity('referral_counts')
export class ReferralCountEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'integer', default: 0 })
  referrals: number;
}
