import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { CodeRequestEntity } from './code-request.entity.js';

/** The simulated phone inbox: what the simulated SMS gateway "delivered". */
@Entity('sms_messages')
// The database, not the worker, guarantees one message per code request.
@Index('sms_messages_code_request_key', ['codeRequestId'], { unique: true })
// Descending on sent_at: the migration's.
@Index('sms_messages_to_sent_idx', { synchronize: false })
export class SmsMessageEntity {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'sms_messages_pkey',
  })
  id: string;

  /** At most one message per code request, whatever happens to the job. */
  @Column({ name: 'code_request_id', type: 'uuid', nullable: true })
  codeRequestId: string | null;

  @ManyToOne(() => CodeRequestEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'code_request_id', foreignKeyConstraintName: 'sms_messages_code_request_id_fkey' })
  codeRequest?: CodeRequestEntity | null;

  @Column({ name: 'to_phone', type: 'varchar', length: 16 })
  to: string;

  @Column({ type: 'varchar', length: 320 })
  text: string;

  @CreateDateColumn({ name: 'sent_at', type: 'timestamptz' })
  sentAt: Date;
}
