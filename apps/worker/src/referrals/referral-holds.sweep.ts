import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, PeriodicSweep } from '@app/platform';
import { WorkerMetrics } from '../metrics/worker-metrics.js';
import { ReferralHoldsRepository } from './referral-holds.repository.js';

const SWEEP_EVERY_MS = 15_000;
const BATCH = 200;

/**
 * Referrals whose hold period (REFERRAL_HOLD_SECONDS) has passed become final
 * and are rewarded, within 15 s of their time. Every worker may sweep at once:
 * the function skips the rows another one holds. Their events reach the host
 * through the events sweep, as any event whose commit queued no delivery.
 */
@Injectable()
export class ReferralHoldsSweep extends PeriodicSweep {
  protected readonly logger = new Logger(ReferralHoldsSweep.name);

  constructor(
    private readonly holds: ReferralHoldsRepository,
    private readonly config: AppConfig,
    private readonly metrics: WorkerMetrics,
  ) {
    super(SWEEP_EVERY_MS);
  }

  /** How many referrals became final. */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const { finalized, eventTypes } = await this.holds.finalizeDue(BATCH, this.config.referrals);
      this.metrics.referralFunnel.countEvents(eventTypes);
      total += finalized;
      if (finalized < BATCH) return total;
    }
  }
}
