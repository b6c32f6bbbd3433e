import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { EVENTS_QUEUE, EventJob, EventRetryPolicy, type EventPayload } from '@app/domain';
import { AppConfig, PeriodicSweep, EventsRepository } from '@app/platform';

const SWEEP_EVERY_MS = 5_000;
/** An event younger than this may still be on its way into the queue from the API. */
const GRACE_SECONDS = 5;
const BATCH = 1000;

/**
 * The safety net behind "the change committed but its event was not queued"
 * (the API died right after the commit, Redis was away or lost its data):
 * pending events are queued again under their own id, a no-op for those whose
 * job exists. Nothing while the endpoint is disabled.
 */
@Injectable()
export class EventsSweep extends PeriodicSweep {
  protected readonly logger = new Logger(EventsSweep.name);
  private readonly retries: EventRetryPolicy;

  constructor(
    private readonly events: EventsRepository,
    config: AppConfig,
    @InjectQueue(EVENTS_QUEUE) private readonly queue: Queue<EventPayload>,
  ) {
    super(SWEEP_EVERY_MS);
    this.retries = new EventRetryPolicy(config.events.retrySchedule);
  }

  async sweep(graceSeconds = GRACE_SECONDS): Promise<number> {
    if (await this.events.endpointDisabled()) return 0;
    const ids = await this.events.pending(graceSeconds, BATCH);
    if (ids.length === 0) return 0;
    await this.queue.addBulk(
      ids.map((eventId) => ({
        name: EventJob.DELIVER,
        data: { eventId },
        opts: this.retries.jobOptions(eventId),
      })),
    );
    return ids.length;
  }
}
