import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The simulated phone inbox: what the simulated SMS gateway "delivered". */
@Entity('sms_messages')
export class SmsMessageEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id: string;

  /** At most one message per code request, whatever happens to the job. */
  @Column({ name: 'code_request_id', type: 'uuid', nullable: true })
  codeRequestId: string | null;

  @Column({ name: 'to_phone', type: 'varchar', length: 16 })
  to: string;

  @Column({ type: 'varchar', length: 320 })
  text: string;

  @CreateDateColumn({ name: 'sent_at', type: 'timestamptz' })
  sentAt: Date;
}
