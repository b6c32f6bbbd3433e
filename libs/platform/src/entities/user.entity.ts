import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

/**
 * A person who signed in at least once (or was created by an admin). Deleting a
 * user keeps a tombstone: phone number and username are erased, the id and the
 * invite code stay so the code is never handed out again and invitees keep theirs.
 *
 * The referral rules PostgreSQL holds (see the referrals migration): nobody
 * invites themselves (check), an inviter is set once and never changed, no
 * circle at any depth (trigger), and each user's count is kept (trigger).
 */
@Entity('users')
@Check('users_live_has_identity', 'deleted_at IS NOT NULL OR (phone_number IS NOT NULL AND username IS NOT NULL)')
@Check('users_no_self_referral', 'referrer_id <> id')
@Check(
  'users_referral_complete',
  '(referrer_id IS NULL) = (used_referral_code IS NULL) AND (referrer_id IS NULL) = (referred_at IS NULL)',
)
// Invite codes are unique over every row ever, deleted users included: never reused.
@Index('users_referral_code_key', ['referralCode'], { unique: true })
@Index('users_phone_number_key', ['phoneNumber'], { unique: true, where: 'deleted_at IS NULL' })
// On lower(username): an expression TypeORM cannot describe, so it leaves the index to the migration.
@Index('users_username_key', { synchronize: false })
// The admin's list, newest first, by keyset.
@Index('users_created_idx', ['createdAt', 'id'], { where: 'deleted_at IS NULL' })
// The referrals list, read from the index alone (descending, with included columns): the migration's.
@Index('users_referrals_covering_idx', { synchronize: false })
export class UserEntity {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'users_pkey' })
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

  @ManyToOne(() => UserEntity, { nullable: true })
  @JoinColumn({ name: 'referrer_id', foreignKeyConstraintName: 'users_referrer_id_fkey' })
  referrer?: UserEntity | null;

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
