import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Cursor, EventStatus } from '@app/domain';
import { cursorAt, isoUtc } from '../database/sql.js';

/** An event as the admin's pages show it. */
export interface EventRow {
  id: string;
  type: string;
  status: EventStatus;
  attempts: number;
  body: string;
  created_at: string;
  delivered_at: string | null;
  cursor_at: string;
}

export interface AttemptRow {
  event_id: string;
  at: string;
  status: number | null;
  error: string | null;
  duration_ms: number;
}

/** An event as the worker sends it. */
export interface EventForDelivery {
  id: string;
  body: string;
  status: EventStatus;
  attempts: number;
}

/**
 * Every statement on the outbox (`events`, `event_attempts`) and its endpoint,
 * for both apps: the API's admin pages and redeliveries, the worker's
 * deliveries and sweep. Writing an event is `recordEvent` (outbox.ts), in the
 * transaction of the change it reports. Plain SQL, as every repository here.
 */
@Injectable()
export class EventsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  // The admin's side (API).

  /**
   * One page of a status's events, newest first: one row more than the page.
   * The ORDER BY names the table's column: a bare `created_at` would be the
   * output's, the text to the millisecond, and events a few microseconds apart
   * would come in another order than the cursor's, repeated or skipped.
   */
  page(status: EventStatus, limit: number, after: Cursor | null): Promise<EventRow[]> {
    const columns = `id, type, status, attempts, body, ${isoUtc('created_at')} AS created_at,
      ${isoUtc('delivered_at')} AS delivered_at, ${cursorAt('created_at')} AS cursor_at`;
    return after
      ? this.db.query(
          `SELECT ${columns} FROM events WHERE status = $1
              AND (created_at, id) < ($3::timestamp AT TIME ZONE 'UTC', $4::uuid)
            ORDER BY events.created_at DESC, events.id DESC LIMIT $2`,
          [status, limit + 1, after.at, after.id],
        )
      : this.db.query(
          `SELECT ${columns} FROM events WHERE status = $1 ORDER BY events.created_at DESC, events.id DESC LIMIT $2`,
          [status, limit + 1],
        );
  }

  attemptsOf(eventIds: string[]): Promise<AttemptRow[]> {
    if (eventIds.length === 0) return Promise.resolve([]);
    return this.db.query(
      `SELECT event_id, ${isoUtc('at')} AS at, status, error, duration_ms FROM event_attempts
        WHERE event_id = ANY($1::uuid[]) ORDER BY event_id, id`,
      [eventIds],
    );
  }

  /** Makes an event pending again (whatever it was); false when there is no such event. */
  async makePending(eventId: string): Promise<boolean> {
    const [, updated] = await this.db.query<[unknown, number]>(
      `UPDATE events SET status = 'pending', delivered_at = NULL WHERE id = $1`,
      [eventId],
    );
    return updated > 0;
  }

  /** Enables the endpoint; answers the pending events to queue again (oldest first, up to `limit`). */
  async enableEndpoint(limit: number): Promise<string[]> {
    await this.db.query(`UPDATE events_endpoint SET disabled_at = NULL, disabled_reason = NULL WHERE id = 1`);
    const rows = await this.db.query<Array<{ id: string }>>(
      `SELECT id FROM events WHERE status = 'pending' ORDER BY created_at LIMIT $1`,
      [limit],
    );
    return rows.map((row) => row.id);
  }

  async endpoint(): Promise<{ disabled_at: string | null; disabled_reason: string | null }> {
    const [row] = await this.db.query<Array<{ disabled_at: string | null; disabled_reason: string | null }>>(
      `SELECT ${isoUtc('disabled_at')} AS disabled_at, disabled_reason FROM events_endpoint WHERE id = 1`,
    );
    return row ?? { disabled_at: null, disabled_reason: null };
  }

  // The delivery's side (worker).

  async forDelivery(eventId: string): Promise<EventForDelivery | null> {
    const rows = await this.db.query<EventForDelivery[]>(
      'SELECT id, body, status, attempts FROM events WHERE id = $1',
      [eventId],
    );
    return rows[0] ?? null;
  }

  /** Why the endpoint is disabled, or null when it takes events. */
  async endpointDisabled(): Promise<string | null> {
    const [row] = await this.db.query<Array<{ disabled_at: Date | null; disabled_reason: string | null }>>(
      'SELECT disabled_at, disabled_reason FROM events_endpoint WHERE id = 1',
    );
    return row?.disabled_at ? (row.disabled_reason ?? 'disabled') : null;
  }

  /** Records an attempt and counts it, in one statement; answers the event's attempts so far. */
  async recordAttempt(
    eventId: string,
    attempt: { status: number | null; error: string | null; durationMs: number },
  ): Promise<number> {
    const [rows] = await this.db.query<[Array<{ attempts: number }>, number]>(
      `WITH attempt AS (
         INSERT INTO event_attempts (event_id, status, error, duration_ms) VALUES ($1, $2, $3, $4)
       )
       UPDATE events SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts`,
      [eventId, attempt.status, attempt.error?.slice(0, 300) ?? null, attempt.durationMs],
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
