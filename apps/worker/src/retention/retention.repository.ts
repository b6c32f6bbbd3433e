import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Raw, type DataSource } from 'typeorm';
import {
  CodeRequestEntity,
  entityManager,
  EventEntity,
  RateLimitEntity,
  RefreshTokenEntity,
  SignInAttemptEntity,
  SignInFailureEntity,
  SmsBudgetHitEntity,
  SmsBudgetTripEntity,
  SmsMessageEntity,
  UnitOfWork,
  UsernameChangeEntity,
} from '@app/platform';

/** Any fixed number: one worker at a time erases, the others skip their turn. */
const RETENTION_LOCK = 724_311_906;

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

  /** Erases it all in one transaction, unless another worker is at it (then false). */
  eraseExpired(periods: RetentionPeriods): Promise<boolean> {
    return this.uow.run(async (tx) => {
      const manager = entityManager(this.db, tx);
      const [{ locked }] = await manager.query<Array<{ locked: boolean }>>(
        'SELECT pg_try_advisory_xact_lock($1) AS locked',
        [RETENTION_LOCK],
      );
      if (!locked) return false;
      const olderThan = (unit: 'days' | 'mins', amount: number) =>
        Raw((column) => `${column} < now() - make_interval(${unit} => :amount)`, { amount });
      // A sealed code outlives neither its code nor its delivery.
      await manager
        .createQueryBuilder()
        .update(CodeRequestEntity)
        .set({ codeSealed: null })
        .where('code_sealed IS NOT NULL AND expires_at < now()')
        .execute();
      await manager.delete(CodeRequestEntity, { createdAt: olderThan('days', periods.codeRequestsDays) });
      await manager.delete(SmsMessageEntity, { sentAt: olderThan('days', periods.inboxDays) });
      await manager
        .createQueryBuilder()
        .delete()
        .from(SignInAttemptEntity)
        .where('updated_at < now() - make_interval(days => :days)', { days: periods.idleCountersDays })
        .andWhere('(locked_until IS NULL OR locked_until < now())')
        // The escalation remembers a lock for a day after it ends.
        .andWhere(`(last_lock_ends IS NULL OR last_lock_ends < now() - interval '1 day')`)
        .execute();
      // Past the rolling windows they count in: a day of wrong codes, an hour of renames.
      await manager.delete(SignInFailureEntity, { failedAt: olderThan('mins', 24 * 60 + periods.spentBudgetMinutes) });
      await manager.delete(UsernameChangeEntity, { changedAt: olderThan('mins', 60 + periods.spentBudgetMinutes) });
      await manager.delete(RefreshTokenEntity, { expiresAt: olderThan('days', periods.expiredRefreshTokensDays) });
      await manager.delete(RateLimitEntity, { windowEnds: olderThan('mins', periods.spentRateLimitMinutes) });
      await manager.delete(SmsBudgetHitEntity, { at: olderThan('mins', 60 + periods.spentBudgetMinutes) });
      await manager.delete(SmsBudgetTripEntity, { until: olderThan('mins', periods.spentBudgetMinutes) });
      await manager.delete(EventEntity, { createdAt: olderThan('days', periods.eventsDays) });
      return true;
    });
  }
}
