import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { CodeRequestEntity } from './code-request.entity.js';

/**
 * How a hand-over ended: `accepted` (the gateway took it), `ambiguous` (the
 * request went out and no answer came: it may have been taken), `transient`
 * (refused for now: down, busy, throttled), `permanent` (refused for good:
 * a bad number, bad credentials). `sending` while in flight, or forever when
 * the worker died mid-call: that counts as ambiguous.
 */
export type SmsAttemptState = 'sending' | 'accepted' | 'ambiguous' | 'transient' | 'permanent';

/**
 * What the gateway reported after it took a message: `accepted` and `sent`
 * (on its way), then one final state: `delivered`, `undelivered` (the network
 * could not), `failed` (the gateway could not), `expired` (no delivery in the
 * message's validity).
 */
export type ReceiptState = 'accepted' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'expired';
export const RECEIPT_STATES: readonly ReceiptState[] = [
  'accepted',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'expired',
];
const RECEIPT_STATE_CHECK = `IN (${RECEIPT_STATES.map((state) => `'${state}'`).join(', ')})`;

/** One hand-over of a code's message to one transport. */
@Entity('sms_attempts')
@Check('sms_attempts_state_check', "state IN ('sending', 'accepted', 'ambiguous', 'transient', 'permanent')")
@Check('sms_attempts_receipt_state_check', `receipt_state ${RECEIPT_STATE_CHECK}`)
@Index('sms_attempts_code_request_idx', ['codeRequestId'])
@Index('sms_attempts_revocable_idx', ['startedAt'], {
  where: "transport = 'telegram' AND provider_id IS NOT NULL AND revoked_at IS NULL",
})
@Index('sms_attempts_provider_idx', ['transport', 'providerId'], { where: 'provider_id IS NOT NULL' })
export class SmsAttemptEntity {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'sms_attempts_pkey',
  })
  id: string;

  @Column({ name: 'code_request_id', type: 'uuid' })
  codeRequestId: string;

  @ManyToOne(() => CodeRequestEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'code_request_id', foreignKeyConstraintName: 'sms_attempts_code_request_id_fkey' })
  codeRequest?: CodeRequestEntity;

  @Column({ type: 'varchar', length: 16 })
  transport: string;

  @Column({ type: 'varchar', length: 12 })
  state: SmsAttemptState;

  /** The gateway's id of the message, once accepted. */
  @Column({ name: 'provider_id', type: 'varchar', length: 128, nullable: true })
  providerId: string | null;

  /** Why it failed, in the transport's words (never a credential). */
  @Column({ type: 'varchar', length: 300, nullable: true })
  error: string | null;

  @Column({ name: 'started_at', type: 'timestamptz', default: () => 'now()' })
  startedAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  /** The gateway's latest word on the message; null until its first receipt. */
  @Column({ name: 'receipt_state', type: 'varchar', length: 12, nullable: true })
  receiptState: ReceiptState | null;

  /** The gateway's error code of an undelivered or failed message. */
  @Column({ name: 'receipt_error', type: 'varchar', length: 32, nullable: true })
  receiptError: string | null;

  @Column({ name: 'receipt_at', type: 'timestamptz', nullable: true })
  receiptAt: Date | null;

  /** When the message was revoked (Telegram Gateway) because its code can no longer be used. */
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  /** The second route's attempt, after the first did not deliver. */
  @Column({ type: 'boolean', default: false })
  fallback: boolean;
}

/** One receipt, as a gateway reported it. */
@Entity('sms_receipts')
@Check('sms_receipts_state_check', `state ${RECEIPT_STATE_CHECK}`)
@Index('sms_receipts_attempt_idx', ['attemptId'])
export class SmsReceiptEntity {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'sms_receipts_pkey',
  })
  id: string;

  @Column({ name: 'attempt_id', type: 'bigint' })
  attemptId: string;

  @ManyToOne(() => SmsAttemptEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'attempt_id', foreignKeyConstraintName: 'sms_receipts_attempt_id_fkey' })
  attempt?: SmsAttemptEntity;

  @Column({ type: 'varchar', length: 12 })
  state: ReceiptState;

  @Column({ name: 'error_code', type: 'varchar', length: 32, nullable: true })
  errorCode: string | null;

  /** The gateway's own time of the state, when it says. */
  @Column({ name: 'reported_at', type: 'timestamptz', nullable: true })
  reportedAt: Date | null;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;
}
