import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { SmsBudgetStore, type BudgetClaim, type Reservation } from './sms-budget.store.js';

/** Budgets in PostgreSQL, for deployments without Redis: see reserve_sms_budget and the sms-budget-counts migration. */
@Injectable()
export class PostgresSmsBudgetStore extends SmsBudgetStore {
  constructor(@InjectDataSource() private readonly db: DataSource) {
    super();
  }

  async reserve(requestId: string, claims: BudgetClaim[], windowMs: number): Promise<Reservation> {
    const [row] = await this.db.query<Array<{ tripped: string | null; retry_after_ms: number }>>(
      'SELECT tripped, retry_after_ms FROM reserve_sms_budget($1, $2, $3, $4)',
      [claims.map((claim) => claim.key), claims.map((claim) => claim.limit), requestId, Math.ceil(windowMs / 1000)],
    );
    return row.tripped === null
      ? { granted: true }
      : { granted: false, key: row.tripped, retryAfterMs: row.retry_after_ms };
  }

  async release(requestId: string, keys: string[]): Promise<void> {
    await this.db.query('SELECT release_sms_budget($1, $2::varchar[])', [requestId, keys]);
  }

  async firstTrip(key: string, windowMs: number): Promise<boolean> {
    const rows = await this.db.query<unknown[]>(
      `INSERT INTO sms_budget_trips (key, until) VALUES ($1, now() + make_interval(secs => $2 / 1000.0))
       ON CONFLICT (key) DO UPDATE SET until = EXCLUDED.until WHERE sms_budget_trips.until <= now()
       RETURNING key`,
      [key, windowMs],
    );
    return rows.length > 0;
  }
}
