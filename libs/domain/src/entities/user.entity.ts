import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A person who signed in at least once (or was created by an admin). Deleting a
 * user keeps a tombstone: phone number and username are erased, the id and the
 * invite code stay so the code is never handed out again and invitees keep theirs.
 */
@Entity('users')
export class UserEntity {
  @PrimaryColumn('uuid')
  id: string;

  /** E.164; null once the user is deleted. */
  @Column({ name: 'phone_number', type: 'varchar', length: 16, nullable: true })
  phoneNumber: string | null;

  /** Unique case-insensitively among live users; null once deleted. */
  @Column({ type: 'varchar', length: 25, nullable: true })
  username: string | null;

  /** This user's own invite code, upper-case. */
  @Column({ name: 'referral_code', type: 'char', length: 6 })
  referralCode: string;

  /** Who invited this user: set once, when they activate an invite code. */
  @Column({ name: 'referrer_id', type: 'uuid', nullable: true })
  referrerId: string | null;

  /** The invite code this user activated; kept even if its owner is deleted. */
  @Column({ name: 'used_referral_code', type: 'char', length: 6, nullable: true })
  usedReferralCode: string | null;

  @Column({ name: 'referred_at', type: 'timestamptz', nullable: true })
  referredAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;
}
