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

/** One hand-over of a code's message to one transport. */
@Entity('sms_attempts')
@Check('sms_attempts_state_check', "state IN ('sending', 'accepted', 'ambiguous', 'transient', 'permanent')")
@Index('sms_attempts_code_request_idx', ['codeRequestId'])
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
  @Column({ name: 'provider_id', type: 'varchar', length: 64, nullable: true })
  providerId: string | null;

  /** Why it failed, in the transport's words (never a credential). */
  @Column({ type: 'varchar', length: 300, nullable: true })
  error: string | null;

  @Column({ name: 'started_at', type: 'timestamptz', default: () => 'now()' })
  startedAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}
