import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { type Cursor, type EventStatus } from '@app/domain';
import { cursorAt, isoUtc } from '@app/platform';

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

/** The admin's statements on the outbox and its endpoint. */
@Injectable()
export class EventsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** One page of a status's events, newest first: one row more than the page. */
  page(status: EventStatus, limit: number, after: Cursor | null): Promise<EventRow[]> {
    const columns = `id, type, status, attempts, body, ${isoUtc('created_at')} AS created_at,
      ${isoUtc('delivered_at')} AS delivered_at, ${cursorAt('created_at')} AS cursor_at`;
    return after
      ? this.db.query(
          `SELECT ${columns} FROM events WHERE status = $1
              AND (created_at, id) < ($3::timestamp AT TIME ZONE 'UTC', $4::uuid)
            ORDER BY created_at DESC, id DESC LIMIT $2`,
          [status, limit + 1, after.at, after.id],
        )
      : this.db.query(`SELECT ${columns} FROM events WHERE status = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [
          status,
          limit + 1,
        ]);
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
}
