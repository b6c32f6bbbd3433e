import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import {
  CODE_DELIVERY_QUEUE,
  CodeDeliveryJob,
  type CodeDeliveryPayload,
  codeDeliveryJobId,
  codeDeliveryJobOptions,
} from '@app/domain';
import { AppConfig, PeriodicSweep } from '@app/platform';
import { CodeRequestsRepository } from './code-requests.repository.js';

const SWEEP_EVERY_MS = 5_000;
/** A request younger than this may still be on its way into the queue from the API. */
const GRACE_SECONDS = 5;
const BATCH = 1000;

/**
 * The safety net behind "the API committed a code request but could not queue
 * it": every few seconds, undelivered live requests are queued again under the
 * same job id, which is a no-op for those whose job exists. Every worker may run
 * it at once.
 */
@Injectable()
export class UndeliveredCodesSweep extends PeriodicSweep {
  protected readonly logger = new Logger(UndeliveredCodesSweep.name);

  constructor(
    private readonly requests: CodeRequestsRepository,
    @InjectQueue(CODE_DELIVERY_QUEUE) private readonly queue: Queue<CodeDeliveryPayload>,
    private readonly config: AppConfig,
  ) {
    super(SWEEP_EVERY_MS);
  }

  /** Queues again what should be queued; answers how many requests it looked at. */
  async sweep(graceSeconds = GRACE_SECONDS): Promise<number> {
    const ids = await this.requests.undelivered(graceSeconds, BATCH);
    if (ids.length === 0) return 0;
    await this.queue.addBulk(
      ids.map((id) => ({
        name: CodeDeliveryJob.DELIVER,
        data: { codeRequestId: id },
        opts: { ...codeDeliveryJobOptions(this.config), jobId: codeDeliveryJobId(id) },
      })),
    );
    return ids.length;
  }
}
