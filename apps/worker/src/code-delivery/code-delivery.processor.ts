import { Processor, WorkerHost } from '@nestjs/bullmq';
import { type BeforeApplicationShutdown, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { type Job, UnrecoverableError } from 'bullmq';
import { CODE_DELIVERY_QUEUE, CodeDeliveryJob, type CodeDeliveryPayload } from '@app/domain';
import { AppConfig, tracedJob } from '@app/platform';
import { CodeDeliveryService, type DeliveryOutcome } from './code-delivery.service.js';

/**
 * Consumes the code-delivery queue. A job whose worker died is noticed within
 * seconds (short lock, frequent stalled checks) and run again; running again is
 * harmless, see CodeDeliveryService.
 */
@Processor(CODE_DELIVERY_QUEUE, {
  autorun: false,
  // A live worker renews its lock every 2.5 s; a killed one's jobs are found within
  // about 5 + 2 s and run again elsewhere. A false alarm costs nothing: delivery is idempotent.
  lockDuration: 5_000,
  stalledInterval: 2_000,
  maxStalledCount: 5,
})
export class CodeDeliveryProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(CodeDeliveryProcessor.name);

  constructor(
    private readonly deliveries: CodeDeliveryService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async process(job: Job<CodeDeliveryPayload>): Promise<DeliveryOutcome> {
    if (job.name !== CodeDeliveryJob.DELIVER || typeof job.data?.codeRequestId !== 'string') {
      throw new UnrecoverableError(`unknown job ${job.name}`);
    }
    // The job's span continues the trace of the request that queued it: its statements, the gateway's call and
    // its log lines are the span's.
    return tracedJob(CODE_DELIVERY_QUEUE, { id: job.id, name: job.name, carrier: job.data.trace }, async () => {
      const outcome = await this.deliveries.deliver(
        job.data.codeRequestId,
        (line) => void job.log(line).catch(() => undefined),
        job.data.fallback === true,
      );
      // Every delivery at debug level; failures are logged at warn (below) whatever the level.
      this.logger.debug({ job_id: job.id, attempt: job.attemptsMade + 1, outcome }, 'code delivery');
      return outcome;
    });
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.worker.concurrency;
    this.worker.on('failed', (job, error) =>
      this.logger.warn({ job_id: job?.id, attempt: job?.attemptsMade, err: error }, 'code delivery failed'),
    );
    this.worker.on('error', (error) => this.logger.error({ err: error }, 'queue worker error'));
    this.worker.run().catch((error: unknown) => this.logger.error({ err: error }, 'queue worker stopped'));
  }

  /** SIGTERM: take no new jobs and finish the ones in hand, while the database is still open. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }
}
