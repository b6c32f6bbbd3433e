import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** `refused`: a request the phone's gates let through for a taken username; it counts, sends nothing. */
export type CodeRequestStatus = 'pending' | 'used' | 'burned' | 'replaced' | 'refused';

/**
 * One sign-in code sent to one phone. The code itself is kept only as a keyed
 * hash; `codeSealed` holds it encrypted for the worker until it is delivered,
 * dropped or expired, and is erased then.
 */
@Entity('code_requests')
@Check('code_requests_channel_check', "channel IN ('sms', 'whatsapp', 'telegram')")
@Check('code_requests_status_check', "status IN ('pending', 'used', 'burned', 'replaced', 'refused')")
// At most one live code per phone: a new code replaces the old one.
@Index('code_requests_one_pending_key', ['phoneNumber'], { unique: true, where: "status = 'pending'" })
// Descending on created_at: the migration's.
@Index('code_requests_phone_created_idx', { synchronize: false })
@Index('code_requests_undelivered_idx', ['createdAt'], { where: "status = 'pending' AND delivered_at IS NULL" })
@Index('code_requests_created_idx', ['createdAt'])
@Index('code_requests_awaiting_receipt_idx', ['deliveredAt'], {
  where: "status = 'pending' AND fallback_at IS NULL AND code_sealed IS NOT NULL AND delivered_at IS NOT NULL",
})
@Index('code_requests_fallback_idx', ['fallbackAt'], { where: 'fallback_at IS NOT NULL AND code_sealed IS NOT NULL' })
export class CodeRequestEntity {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'code_requests_pkey' })
  id: string;

  @Column({ name: 'phone_number', type: 'varchar', length: 16 })
  phoneNumber: string;

  @Column({ name: 'code_hash', type: 'bytea' })
  codeHash: Buffer;

  @Column({ name: 'code_sealed', type: 'bytea', nullable: true })
  codeSealed: Buffer | null;

  /** The username asked for at signup, used if this code creates the user. */
  @Column({ name: 'requested_username', type: 'varchar', length: 25, nullable: true })
  requestedUsername: string | null;

  @Column({ type: 'varchar', length: 8, default: 'pending' })
  status: CodeRequestStatus;

  @Column({ name: 'failed_attempts', type: 'smallint', default: 0 })
  failedAttempts: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;

  /** The user a phone-change code moves to this number (POST /users/me/phone/); null for a sign-in code. */
  @Column({ name: 'for_user_id', type: 'uuid', nullable: true })
  forUserId: string | null;

  /** The locale the signup asked the message in; null: the number's country decides. */
  @Column({ type: 'varchar', length: 35, nullable: true })
  locale: string | null;

  /** The sign-up's preferred channel; null: the deployment's order (SMS_TRANSPORT). */
  @Column({ type: 'varchar', length: 8, nullable: true })
  channel: 'sms' | 'whatsapp' | 'telegram' | null;

  /** When a second route was claimed for the code (an undelivered receipt, or silence); once per code. */
  @Column({ name: 'fallback_at', type: 'timestamptz', nullable: true })
  fallbackAt: Date | null;
}
