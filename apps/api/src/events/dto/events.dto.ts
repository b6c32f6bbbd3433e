import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { EVENT_STATUSES, EVENT_TYPES, type EventStatus } from '@app/domain';
import { PageQueryDto } from '../../common/keyset.js';

export class EventsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: EVENT_STATUSES, default: 'pending' })
  @IsOptional()
  @IsIn(EVENT_STATUSES)
  status?: EventStatus;
}

export class EventAttemptDto {
  @ApiProperty({ example: '2026-12-01T10:00:05.120Z' })
  at: string;

  @ApiProperty({ type: Number, nullable: true, example: 503, description: 'The receiver’s status; null: no answer.' })
  status: number | null;

  @ApiProperty({ type: String, nullable: true, example: 'the receiver answered 503' })
  error: string | null;

  @ApiProperty({ example: 41 })
  duration_ms: number;
}

export class EventDto {
  @ApiProperty({ format: 'uuid', description: 'Also the `webhook-id` of every attempt.' })
  id: string;

  @ApiProperty({ enum: EVENT_TYPES })
  type: string;

  @ApiProperty({ enum: EVENT_STATUSES })
  status: EventStatus;

  @ApiProperty({ example: 1 })
  attempts: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The body sent: `{type, timestamp, data}`.',
    example: { type: 'user.deleted', timestamp: '2026-12-01T10:00:00.000Z', data: { id: '…', deleted_at: '…' } },
  })
  payload: Record<string, unknown>;

  @ApiProperty({ example: '2026-12-01T10:00:00.000Z' })
  created_at: string;

  @ApiProperty({ type: String, nullable: true, example: '2026-12-01T10:00:00.084Z' })
  delivered_at: string | null;

  @ApiProperty({ type: [EventAttemptDto], description: 'Oldest first.' })
  attempt_log: EventAttemptDto[];
}

export class EventsPageDto {
  @ApiProperty({ type: [EventDto], description: 'Newest first.' })
  items: EventDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  next_cursor: string | null;
}

export class RedeliveryDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: ['pending'] })
  status: 'pending';
}

export class EndpointDto {
  @ApiProperty({ example: true })
  enabled: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'When a 410 disabled it; null while enabled.' })
  disabled_at: string | null;

  @ApiProperty({ type: String, nullable: true })
  disabled_reason: string | null;

  @ApiProperty({ example: 12, description: 'Pending events queued again by this call.' })
  queued: number;
}
