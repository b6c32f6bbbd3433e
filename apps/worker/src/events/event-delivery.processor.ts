import { Processor, WorkerHost } from '@nestjs/bullmq';
import { type BeforeApplicationShutdown, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { type Job, UnrecoverableError } from 'bullmq';
import { EVENTS_QUEUE, EventJob, EventRetryPolicy, type EventPayload } from '@app/domain';
import { AppConfig, EventsRepository } from '@app/platform';
import { WorkerMetrics } from '../metrics/worker-metrics.js';
import { WebhookSender } from './webhook-sender.js';

export type EventOutcome = 'delivered' | 'not-pending' | 'endpoint-disabled' | 'endpoint-gone';

/** A failed attempt, and when the next one may be made. */
class DeliveryFailed extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/** The job's backoff: the delay the failed attempt computed (EventRetryPolicy.next). */
export function eventBackoff(_attemptsMade: number, _type?: string, error?: Error): number {
  return error instanceof DeliveryFailed ? error.delayMs : 5_000;
}

/**
 * Delivers outbox events to the host app. A 2xx delivers; a 410 disables the
 * endpoint (the event stays pending until an admin enables it again); anything
 * else is retried as EventRetryPolicy says, until it says the schedule is spent
 * and the event is failed.
 */
@Processor(EVENTS_QUEUE, {
  autorun: false,
  // Renewed every 5 s while an attempt runs (up to 15 s); a killed worker's events are taken over within about 15 s.
  lockDuration: 10_000,
  stalledInterval: 5_000,
  maxStalledCount: 5,
  settings: { backoffStrategy: eventBackoff },
})
export class EventDeliveryProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(EventDeliveryProcessor.name);
  private readonly retries: EventRetryPolicy;

  constructor(
    private readonly events: EventsRepository,
    private readonly sender: WebhookSender,
    private readonly config: AppConfig,
    private readonly metrics: WorkerMetrics,
  ) {
    super();
    this.retries = new EventRetryPolicy(config.events.retrySchedule);
  }

  async process(job: Job<EventPayload>): Promise<EventOutcome> {
    if (job.name !== EventJob.DELIVER || typeof job.data?.eventId !== 'string') {
      throw new UnrecoverableError(`unknown job ${job.name}`);
    }
    const event = await this.events.forDelivery(job.data.eventId);
    if (!event || event.status !== 'pending') return 'not-pending';
    if (await this.events.endpointDisabled()) return 'endpoint-disabled';

    const outcome = await this.sender.send(event.id, event.body);
    const attempts = await this.events.recordAttempt(event.id, outcome);
    if (outcome.status !== null && outcome.status >= 200 && outcome.status <= 299) {
      await this.events.markDelivered(event.id);
      this.metrics.webhookDelivery('delivered');
      return 'delivered';
    }
    if (outcome.status === 410) {
      await this.events.disableEndpoint(`the receiver answered 410 Gone to event ${event.id}`);
      this.metrics.webhookDelivery('disabled');
      this.logger.warn({ event_id: event.id }, 'events endpoint answered 410: disabled until an admin enables it');
      return 'endpoint-gone';
    }
    const delayMs = this.retries.next(attempts, outcome.retryAfterMs);
    if (delayMs === null) {
      await this.events.markFailed(event.id);
      this.metrics.webhookDelivery('failed');
      this.logger.warn({ event_id: event.id, attempts, reason: outcome.error }, 'event failed: retries spent');
      throw new UnrecoverableError(`${outcome.error} (attempt ${attempts}, the last)`);
    }
    this.metrics.webhookDelivery('retry');
    throw new DeliveryFailed(
      `${outcome.error} (attempt ${attempts}; next in ${Math.round(delayMs / 1000)} s)`,
      delayMs,
    );
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = 50;
    this.worker.on('error', (error) => this.logger.error({ err: error }, 'events worker error'));
    this.worker.run().catch((error: unknown) => this.logger.error({ err: error }, 'events worker stopped'));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }
}
