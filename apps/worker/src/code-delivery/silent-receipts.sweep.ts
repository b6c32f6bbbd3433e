import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { CODE_DELIVERY_QUEUE, type CodeDeliveryPayload, codeFallbackJob } from '@app/domain';
import { AppConfig, PeriodicSweep } from '@app/platform';
import { WorkerMetrics } from '../metrics/worker-metrics.js';
import { CodeRequestsRepository } from './code-requests.repository.js';

const SWEEP_EVERY_MS = 2_000;
const BATCH = 500;

/**
 * The second route on silence (SPEC section 14): a code a gateway took more
 * than SMS_FALLBACK_AFTER_SECONDS ago with no final receipt since is claimed
 * (once per code, with the API's undelivered receipts) and queued for its
 * second message. A claim whose job was lost is queued again. Idle unless
 * SMS_RECEIPTS_URL is set and SMS_TRANSPORT has a second transport; every
 * worker may run it at once.
 */
@Injectable()
export class SilentReceiptsSweep extends PeriodicSweep {
  protected readonly logger = new Logger(SilentReceiptsSweep.name);

  constructor(
    private readonly requests: CodeRequestsRepository,
    @InjectQueue(CODE_DELIVERY_QUEUE) private readonly queue: Queue<CodeDeliveryPayload>,
    private readonly config: AppConfig,
    private readonly metrics: WorkerMetrics,
  ) {
    super(SWEEP_EVERY_MS);
  }

  /** Answers how many codes it handed to their second route. */
  async sweep(): Promise<number> {
    const after = this.config.receipts.fallbackAfterSeconds;
    if (after === null || this.config.sms.transports.length < 2) return 0;
    const silent = await this.requests.claimSilent(after, BATCH);
    const lost = await this.requests.fallbacksToRequeue(BATCH);
    const ids = [...new Set([...silent, ...lost])];
    if (ids.length > 0) {
      await this.queue.addBulk(ids.map((id) => codeFallbackJob(id, this.config)));
    }
    if (silent.length > 0) {
      this.metrics.smsFallbacks.count('silence', silent.length);
      this.logger.log({ codes: silent.length, after_seconds: after }, 'no receipt in time: second route queued');
    }
    return silent.length;
  }
}
