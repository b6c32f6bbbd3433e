import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { entityManager, UnitOfWork } from '@app/platform';

/** Any fixed number: one worker at a time erases, the others skip their turn. */
const RETENTION_LOCK = 724_311_906;
/** The SMS budgets whose spent hits one statement trims: as many advisory locks, held until it commits. */
const BUDGETS_A_TRIM = 100;

/** How long each kind of row outlives its use. */
export interface RetentionPeriods {
  codeRequestsDays: number;
  inboxDays: number;
  idleCountersDays: number;
  expiredRefreshTokensDays: number;
  spentRateLimitMinutes: number;
  /** Codes counted against the SMS budgets outlive their rolling hour by this much. */
  spentBudgetMinutes: number;
  /**
   * Events, whatever became of them: the retry schedule ends within two days,
   * so a month-old pending event waits on an endpoint disabled for a month, or
   * on a deployment that never set EVENTS_WEBHOOK_URL.
   */
  eventsDays: number;
}

/** Every statement that erases what is past its retention. */
@Injectable()
export class RetentionRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly uow: UnitOfWork,
  ) {}

  /**
   * Erases it all in one transaction, unless another worker is at it (then
   * false); then the SMS budgets' spent hits, a hundred budgets a transaction
   * (each held under its budget's lock, as a reservation holds it).
   */
  async eraseExpired(periods: RetentionPeriods): Promise<boolean> {
    const erased = await this.eraseInOneTransaction(periods);
    if (erased) {
      let trimmed: number;
      do {
        const [row] = await this.db.query<Array<{ trimmed: number }>>(
          'SELECT trim_sms_budget_hits(now() - make_interval(mins => $1), $2) AS trimmed',
          [60 + periods.spentBudgetMinutes, BUDGETS_A_TRIM],
        );
        trimmed = row.trimmed;
      } while (trimmed === BUDGETS_A_TRIM);
    }
    return erased;
  }

  private eraseInOneTransaction(periods: RetentionPeriods): Promise<boolean> {
    return this.uow.run(async (tx) => {
      const manager = entityManager(this.db, tx);
      const [{ locked }] = await manager.query<Array<{ locked: boolean }>>(
        'SELECT pg_try_advisory_xact_lock($1) AS locked',
        [RETENTION_LOCK],
      );
      if (!locked) return false;
      const { codeRequestsDays, inboxDays, idleCountersDays, expiredRefreshTokensDays } = periods;
      const { spentRateLimitMinutes, spentBudgetMinutes, eventsDays } = periods;
      // A sealed code outlives neither its code nor its delivery.
      await manager.query(
        `UPDATE code_requests SET code_sealed = NULL WHERE code_sealed IS NOT NULL AND expires_at < now()`,
      );
      await manager.query(`DELETE FROM code_requests WHERE created_at < now() - make_interval(days => $1)`, [
        codeRequestsDays,
      ]);
      await manager.query(`DELETE FROM sms_messages WHERE sent_at < now() - make_interval(days => $1)`, [inboxDays]);
      // The escalation remembers a lock for a day after it ends.
      await manager.query(
        `DELETE FROM sign_in_attempts
          WHERE updated_at < now() - make_interval(days => $1)
            AND (locked_until IS NULL OR locked_until < now())
            AND (last_lock_ends IS NULL OR last_lock_ends < now() - interval '1 day')`,
        [idleCountersDays],
      );
      // Past the rolling windows they count in: a day of wrong codes, an hour of renames.
      await manager.query(`DELETE FROM sign_in_failures WHERE failed_at < now() - make_interval(mins => $1)`, [
        24 * 60 + spentBudgetMinutes,
      ]);
      await manager.query(`DELETE FROM username_changes WHERE changed_at < now() - make_interval(mins => $1)`, [
        60 + spentBudgetMinutes,
      ]);
      await manager.query(`DELETE FROM refresh_tokens WHERE expires_at < now() - make_interval(days => $1)`, [
        expiredRefreshTokensDays,
      ]);
      await manager.query(`DELETE FROM rate_limits WHERE window_ends < now() - make_interval(mins => $1)`, [
        spentRateLimitMinutes,
      ]);
      await manager.query(`DELETE FROM sms_budget_trips WHERE "until" < now() - make_interval(mins => $1)`, [
        spentBudgetMinutes,
      ]);
      await manager.query(`DELETE FROM events WHERE created_at < now() - make_interval(days => $1)`, [eventsDays]);
      return true;
    });
  }
}
