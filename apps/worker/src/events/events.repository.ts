import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { type EventStatus } from '@app/domain';
import { EventAttemptEntity, EventEntity, EventsEndpointEntity } from '@app/platform';

export interface EventForDelivery {
  id: string;
  body: string;
  status: EventStatus;
  attempts: number;
}

/** The worker's statements on the outbox: what to send, what came of it, and the endpoint's state. */
@Injectable()
export class EventsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  forDelivery(eventId: string): Promise<EventForDelivery | null> {
    return this.db.manager.findOne(EventEntity, {
      select: { id: true, body: true, status: true, attempts: true },
      where: { id: eventId },
    });
  }

  /** Why the endpoint is disabled, or null when it takes events. */
  async endpointDisabled(): Promise<string | null> {
    const endpoint = await this.db.manager.findOneBy(EventsEndpointEntity, { id: 1 });
    return endpoint?.disabledAt ? (endpoint.disabledReason ?? 'disabled') : null;
  }

  /** Records an attempt and counts it; answers the event's attempts so far. */
  async recordAttempt(
    eventId: string,
    attempt: { status: number | null; error: string | null; durationMs: number },
  ): Promise<number> {
    await this.db.manager.insert(EventAttemptEntity, { eventId, ...attempt, error: attempt.error?.slice(0, 300) });
    const [rows] = await this.db.query<[Array<{ attempts: number }>, number]>(
      `UPDATE events SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts`,
      [eventId],
    );
    return rows[0]?.attempts ?? 0;
  }

  async markDelivered(eventId: string): Promise<void> {
    await this.db.query(
      `UPDATE events SET status = 'delivered', delivered_at = now() WHERE id = $1 AND status = 'pending'`,
      [eventId],
    );
  }

  async markFailed(eventId: string): Promise<void> {
    await this.db.query(`UPDATE events SET status = 'failed' WHERE id = $1 AND status = 'pending'`, [eventId]);
  }

  async disableEndpoint(reason: string): Promise<void> {
    await this.db.query(
      `UPDATE events_endpoint SET disabled_at = now(), disabled_reason = $1 WHERE id = 1 AND disabled_at IS NULL`,
      [reason.slice(0, 300)],
    );
  }

  /** Pending events older than the grace period, oldest first, for the sweep. */
  async pending(graceSeconds: number, limit: number): Promise<string[]> {
    const rows = await this.db.query<Array<{ id: string }>>(
      `SELECT id FROM events WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1)
        ORDER BY created_at LIMIT $2`,
      [graceSeconds, limit],
    );
    return rows.map((row) => row.id);
  }
}
