import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Gauge } from 'prom-client';
import { CODE_DELIVERY_QUEUE, EVENTS_QUEUE } from '@app/domain';
import { AppConfig } from '@app/platform';
import { BacklogRepository } from './backlog.repository.js';
import { WorkerMetrics } from './worker-metrics.js';

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/** A scrape answers within Prometheus's timeout even while Redis or PostgreSQL is away: the gauge is left out. */
const READ_TIMEOUT_MS = 2_000;

/**
 * The backlog, read when Prometheus scrapes: the jobs of each queue by state
 * (`queue_jobs`), and the outbox's pending events and the age of the oldest
 * (`outbox_pending`, `outbox_oldest_pending_seconds`, only with
 * EVENTS_WEBHOOK_URL: without a receiver every event stays pending, and that is
 * no lag). A gauge whose source does
 * not answer is left out of that scrape rather than shown stale, so an alert
 * on it sees "absent", not a frozen value.
 */
@Injectable()
export class BacklogMetrics {
  private readonly logger = new Logger(BacklogMetrics.name);

  constructor(
    metrics: WorkerMetrics,
    @InjectQueue(CODE_DELIVERY_QUEUE) codes: Queue,
    @InjectQueue(EVENTS_QUEUE) events: Queue,
    backlog: BacklogRepository,
    config: AppConfig,
  ) {
    const queues = [codes, events];
    const read = this.read.bind(this);
    new Gauge({
      name: 'queue_jobs',
      help: 'Jobs in each queue, by state.',
      labelNames: ['queue', 'state'] as const,
      registers: [metrics.registry],
      async collect() {
        this.reset();
        await Promise.all(
          queues.map(async (queue) => {
            const counts = await read(`queue ${queue.name}`, () => queue.getJobCounts(...QUEUE_STATES));
            if (counts) for (const state of QUEUE_STATES) this.labels(queue.name, state).set(counts[state] ?? 0);
          }),
        );
      },
    });

    if (config.events.webhookUrl) this.outboxGauges(metrics, backlog);
  }

  private outboxGauges(metrics: WorkerMetrics, backlog: BacklogRepository): void {
    const read = this.read.bind(this);
    let outbox: Promise<{ pending: number; oldest: number } | null> | null = null;
    // Both outbox gauges from one statement per scrape.
    const readOutbox = () =>
      (outbox ??= read('outbox', () => backlog.outbox()).finally(() => setImmediate(() => (outbox = null))));
    new Gauge({
      name: 'outbox_pending',
      help: 'Events written and not yet delivered to the host app (nor failed).',
      registers: [metrics.registry],
      async collect() {
        this.reset();
        const row = await readOutbox();
        if (row) this.set(row.pending);
      },
    });
    new Gauge({
      name: 'outbox_oldest_pending_seconds',
      help: 'Age of the oldest pending event: 0 when none is pending.',
      registers: [metrics.registry],
      async collect() {
        this.reset();
        const row = await readOutbox();
        if (row) this.set(row.oldest);
      },
    });
  }

  private async read<T>(what: string, query: () => Promise<T>): Promise<T | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), READ_TIMEOUT_MS);
    });
    try {
      const answer = await Promise.race([query(), timeout]);
      if (answer === null) this.logger.warn(`metrics: ${what} did not answer within ${READ_TIMEOUT_MS} ms`);
      return answer;
    } catch (error) {
      this.logger.warn({ err: error }, `metrics: ${what} could not be read`);
      return null;
    } finally {
      clearTimeout(timer);
    }
  }
}
