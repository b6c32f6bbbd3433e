import { Injectable, Logger } from '@nestjs/common';
import { PeriodicSweep } from '@app/platform';
import { RetentionRepository, type RetentionPeriods } from './retention.repository.js';

const SWEEP_EVERY_MS = 10 * 60_000;

/**
 * What the tables keep, and for how long: a sealed code no longer than its code
 * lives; code requests 2 days (the hourly cap looks back one hour); the
 * simulated inbox 7 days; a phone's run of wrong codes a day after its last one
 * (unless it is locked); refresh tokens a day past their expiry; per-IP
 * counters a minute past their window; the SMS budgets' counts and trips a
 * minute past their hour; events after 30 days. A code
 * request's delivery attempts go with it, as an event's do.
 */
export const RETENTION: RetentionPeriods = {
  codeRequestsDays: 2,
  inboxDays: 7,
  idleCountersDays: 1,
  expiredRefreshTokensDays: 1,
  spentRateLimitMinutes: 1,
  spentBudgetMinutes: 1,
  eventsDays: 30,
};

/** Erases what is past its retention, every ten minutes, one worker at a time. */
@Injectable()
export class RetentionSweep extends PeriodicSweep {
  protected readonly logger = new Logger(RetentionSweep.name);

  constructor(private readonly retention: RetentionRepository) {
    super(SWEEP_EVERY_MS);
  }

  /** True when this worker did the erasing (false: another one was at it). */
  sweep(): Promise<boolean> {
    return this.retention.eraseExpired(RETENTION);
  }
}
