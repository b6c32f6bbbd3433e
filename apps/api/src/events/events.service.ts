import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, isUuid } from '@app/domain';
import { EventsRepository } from '@app/platform';
import { cursorOf, DEFAULT_PAGE_SIZE, keysetPage } from '../common/keyset.js';
import type { EndpointDto, EventDto, EventsPageDto, EventsQueryDto, RedeliveryDto } from './dto/events.dto.js';
import { EventsQueue } from './events.queue.js';

/** How many pending events enabling the endpoint queues at once; the worker's sweep takes the rest. */
const REQUEUE_AT_ONCE = 1000;

/** The admin's view of the outbox: events with their attempts, redelivery, the endpoint. */
@Injectable()
export class EventsService {
  constructor(
    private readonly events: EventsRepository,
    private readonly queue: EventsQueue,
  ) {}

  async list(query: EventsQueryDto): Promise<EventsPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.events.page(query.status ?? 'pending', limit, cursorOf(query));
    const attempts = await this.events.attemptsOf(rows.slice(0, limit).map((row) => row.id));
    return keysetPage(rows, limit, (row): EventDto => ({
      id: row.id,
      type: row.type,
      status: row.status,
      attempts: row.attempts,
      payload: JSON.parse(row.body) as Record<string, unknown>,
      created_at: row.created_at,
      delivered_at: row.delivered_at,
      attempt_log: attempts
        .filter((attempt) => attempt.event_id === row.id)
        .map(({ event_id: _event, ...attempt }) => attempt),
    }));
  }

  /** Sends an event again, whatever became of it (delivered, failed, or still pending). */
  async redeliver(eventId: string): Promise<RedeliveryDto> {
    if (!isUuid(eventId) || !(await this.events.makePending(eventId))) {
      throw new DomainError(ErrorCode.EVENT_NOT_FOUND);
    }
    await this.queue.published([eventId]);
    return { id: eventId, status: 'pending' };
  }

  /** Takes events again after a 410, and queues the pending ones. */
  async enableEndpoint(): Promise<EndpointDto> {
    const pending = await this.events.enableEndpoint(REQUEUE_AT_ONCE);
    if (pending.length > 0) await this.queue.published(pending);
    return { enabled: true, ...(await this.events.endpoint()), queued: pending.length };
  }
}
