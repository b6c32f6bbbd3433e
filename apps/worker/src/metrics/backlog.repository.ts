import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** The statements behind the backlog gauges. */
@Injectable()
export class BacklogRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Pending events and the age of the oldest, in one statement (the events (status, created_at) index answers it). */
  async outbox(): Promise<{ pending: number; oldest: number }> {
    const [row] = await this.db.query<Array<{ pending: number; oldest: number }>>(
      `SELECT count(*)::int AS pending, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS oldest
         FROM events WHERE status = 'pending'`,
    );
    return row;
  }
}
