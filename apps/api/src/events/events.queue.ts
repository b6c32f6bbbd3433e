import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { EVENTS_QUEUE, EventJob, EventRetryPolicy, type EventPayload } from '@app/domain';
import { AppConfig, EventPublisher } from '@app/platform';

/**
 * The API's side of the events queue: the unit of work hands it the events a
 * transaction committed. A failure is logged, not thrown: the events are in
 * the outbox already and the worker's sweep queues them.
 */
@Injectable()
export class EventsQueue extends EventPublisher {
  private readonly logger = new Logger(EventsQueue.name);
  private readonly retries: EventRetryPolicy;

  constructor(
    @InjectQueue(EVENTS_QUEUE) private readonly queue: Queue<EventPayload>,
    private readonly config: AppConfig,
  ) {
    super();
    this.retries = new EventRetryPolicy(config.events.retrySchedule);
    queue.on('error', () => undefined);
  }

  async published(eventIds: string[]): Promise<void> {
    // Without a receiver no worker consumes the queue: the events wait in the outbox.
    if (!this.config.events.webhookUrl) return;
    try {
      await this.queue.addBulk(
        eventIds.map((eventId) => ({
          name: EventJob.DELIVER,
          data: { eventId },
          opts: this.retries.jobOptions(eventId),
        })),
      );
    } catch (error) {
      this.logger.warn({ err: error, event_ids: eventIds }, 'could not queue events; the sweep will');
    }
  }
}
