import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { EventStatus, EventType } from '@app/domain';

/** An event for the host app, in the outbox: written in the transaction of the change it reports. */
@Entity('events')
@Check('events_status_check', "status IN ('pending', 'delivered', 'failed')")
// (status, created_at DESC, id DESC): the admin's pages; TypeORM cannot spell DESC, the migration does.
@Index('events_status_created_idx', { synchronize: false })
export class EventEntity {
  /** Also the `webhook-id` of every attempt, and the delivery job's id. */
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'events_pkey' })
  id: string;

  @Column({ type: 'varchar', length: 32 })
  type: EventType;

  /** The JSON sent, the same bytes on every attempt. */
  @Column({ type: 'text' })
  body: string;

  @Column({ type: 'varchar', length: 12, default: 'pending' })
  status: EventStatus;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;
}

/** One delivery attempt: the receiver's status, or why there was none. */
@Entity('event_attempts')
@Index('event_attempts_event_idx', ['eventId', 'id'])
export class EventAttemptEntity {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'event_attempts_pkey',
  })
  id: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @ManyToOne(() => EventEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'event_id', foreignKeyConstraintName: 'event_attempts_event_id_fkey' })
  event?: EventEntity;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;

  @Column({ type: 'integer', nullable: true })
  status: number | null;

  @Column({ type: 'varchar', length: 300, nullable: true })
  error: string | null;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs: number;
}

/** The receiving endpoint: disabled by a 410 until an admin enables it again. One row. */
@Entity('events_endpoint')
@Check('events_endpoint_one_row', 'id = 1')
export class EventsEndpointEntity {
  @PrimaryColumn({ type: 'smallint', default: 1, primaryKeyConstraintName: 'events_endpoint_pkey' })
  id: number;

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt: Date | null;

  @Column({ name: 'disabled_reason', type: 'varchar', length: 300, nullable: true })
  disabledReason: string | null;
}
