import { InjectQueue } from '@nestjs/bullmq';
import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import {
  CODE_DELIVERY_JOB_OPTIONS,
  CODE_DELIVERY_QUEUE,
  CodeDeliveryJob,
  type CodeDeliveryPayload,
  codeDeliveryJobId,
  sqlRows,
} from '@app/domain';

const SWEEP_EVERY_MS = 5_000;
const CLEANUP_EVERY_MS = 10 * 60_000;
/** A request younger than this may still be on its way into the queue from the API. */
const GRACE_SECONDS = 5;
const CLEANUP_LOCK = 724_311_906;

/**
 * The safety net behind "the API committed a code request but could not queue
 * it": every few seconds, undelivered live requests are queued again under the
 * same job id, which is a no-op for those whose job exists. Every worker may run
 * it at once. Also erases old rows, so the tables stay small.
 */
@Injectable()
export class DeliverySweepService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliverySweepService.name);
  private timers: NodeJS.Timeout[] = [];

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(CODE_DELIVERY_QUEUE) private readonly queue: Queue<CodeDeliveryPayload>,
  ) {}

  onApplicationBootstrap(): void {
    this.timers = [
      setInterval(() => void this.sweep().catch((error: unknown) => this.logFailure('sweep', error)), SWEEP_EVERY_MS),
      setInterval(
        () => void this.cleanup().catch((error: unknown) => this.logFailure('cleanup', error)),
        CLEANUP_EVERY_MS,
      ),
    ];
  }

  beforeApplicationShutdown(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  /** Queues again what should be queued; answers how many requests it looked at. */
  async sweep(graceSeconds = GRACE_SECONDS): Promise<number> {
    const pending = await sqlRows<{ id: string }>(
      this.db,
      `SELECT id FROM code_requests
        WHERE status = 'pending' AND delivered_at IS NULL AND expires_at > now()
          AND created_at < now() - make_interval(secs => $1)
        ORDER BY created_at LIMIT 1000`,
      [graceSeconds],
    );
    if (pending.length === 0) return 0;
    await this.queue.addBulk(
      pending.map(({ id }) => ({
        name: CodeDeliveryJob.DELIVER,
        data: { codeRequestId: id },
        opts: { ...CODE_DELIVERY_JOB_OPTIONS, jobId: codeDeliveryJobId(id) },
      })),
    );
    return pending.length;
  }

  /** Erases sealed codes past expiry and rows nobody needs any more; one worker at a time. */
  async cleanup(): Promise<void> {
    await this.db.transaction(async (manager) => {
      const [{ locked }] = await sqlRows<{ locked: boolean }>(
        manager,
        'SELECT pg_try_advisory_xact_lock($1) AS locked',
        [CLEANUP_LOCK],
      );
      if (!locked) return;
      await manager.query(
        `UPDATE code_requests SET code_sealed = NULL WHERE code_sealed IS NOT NULL AND expires_at < now()`,
      );
      await manager.query(`DELETE FROM code_requests WHERE created_at < now() - interval '2 days'`);
      await manager.query(`DELETE FROM sms_messages WHERE sent_at < now() - interval '7 days'`);
      await manager.query(
        `DELETE FROM sign_in_attempts WHERE updated_at < now() - interval '1 day'
            AND (locked_until IS NULL OR locked_until < now())`,
      );
      await manager.query(`DELETE FROM refresh_tokens WHERE expires_at < now() - interval '1 day'`);
      await manager.query(`DELETE FROM rate_limits WHERE window_ends < now() - interval '1 minute'`);
    });
  }

  private logFailure(task: string, error: unknown): void {
    this.logger.warn({ err: error }, `${task} failed; will try again`);
  }
}
