/**
 * The contract between the API and the worker: queue names, job names and the
 * payload of each job. Jobs carry ids only; the worker reads the rest from
 * PostgreSQL, so no secret ever rests in the queue.
 */

export const CODE_DELIVERY_QUEUE = 'code-delivery';

export const CodeDeliveryJob = {
  DELIVER: 'deliver-code',
} as const;

export interface CodeDeliveryPayload {
  codeRequestId: string;
  /** The second route: the first transport took the message and did not deliver it (a receipt, or silence). */
  fallback?: boolean;
  /** The W3C trace context of the request that queued it (`traceparent`), when traces are on. */
  trace?: Record<string, string>;
}

export interface JobPayloads {
  [CodeDeliveryJob.DELIVER]: CodeDeliveryPayload;
}

/** What the code-delivery jobs' options read of the deployment's settings. */
export interface QueueSettings {
  queue: { keepFailed: number; backend: 'redis' | 'postgres' };
}

/**
 * Retries with exponential backoff (1 s, 2 s, 4 s, ...); failed jobs stay for
 * inspection, the newest QUEUE_KEEP_FAILED of them for at most 14 days (by age
 * alone a pumping run to refused numbers filled Redis, which runs with
 * `noeviction`). On Redis the last 1,000 completed jobs are kept, for the
 * dashboard; on PostgreSQL none: BullMQ's PostgreSQL backend keeps "the newest
 * 1,000" by reading all of them again at every completion, which was a third
 * or more of the queue's PostgreSQL CPU per job and deadlocked completions
 * under load (docs/performance.md, "The queue on PostgreSQL"). Delivery is
 * idempotent, so a request queued again after its job was removed is found
 * delivered and dropped.
 */
export function codeDeliveryJobOptions(config: QueueSettings) {
  return {
    attempts: 6,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: config.queue.backend === 'postgres' ? true : { count: 1000 },
    removeOnFail: { age: 14 * 24 * 3600, count: config.queue.keepFailed },
  } as const;
}

/** One job per code request: the job id is the request id, so a second add is a no-op. */
export function codeDeliveryJobId(codeRequestId: string): string {
  return codeRequestId;
}

/** The second route's job: one per code, whoever queues it. */
export function codeFallbackJobId(codeRequestId: string): string {
  return `fallback-${codeRequestId}`;
}

/** The second route's job as the queue takes it (`add` or `addBulk`): the API on a receipt, the worker on silence. */
export function codeFallbackJob(codeRequestId: string, config: QueueSettings) {
  return {
    name: CodeDeliveryJob.DELIVER,
    data: { codeRequestId, fallback: true } satisfies CodeDeliveryPayload,
    opts: { ...codeDeliveryJobOptions(config), jobId: codeFallbackJobId(codeRequestId) },
  };
}

/** Events for the host app: one job per event, its id the event's. */
export const EVENTS_QUEUE = 'events';

export const EventJob = {
  DELIVER: 'deliver-event',
} as const;

export interface EventPayload {
  eventId: string;
}

/**
 * The retry policy of an event's delivery, in one place: how many attempts the
 * job gets, and after a failed attempt whether to try again and when. One
 * attempt now and one after each delay of the schedule (EVENTS_RETRY_SCHEDULE,
 * seconds), each delay within ±10% so the retries of an outage do not arrive
 * together, or later when the receiver's Retry-After asks for longer. The count
 * of attempts is the event's own (event_attempts), so a job queued again after
 * Redis lost it goes on where the last one stopped.
 */
export class EventRetryPolicy {
  constructor(readonly schedule: readonly number[]) {}

  /**
   * The job's options: its id the event's (a second add is a no-op), one attempt
   * more than the schedule's delays, the delay each failure computed (`next`)
   * as its backoff. Jobs go when they end: the event's status says the rest, so
   * the same id can be queued again (redelivery, an endpoint enabled again).
   */
  jobOptions(eventId: string) {
    return {
      jobId: eventId,
      attempts: this.schedule.length + 1,
      backoff: { type: 'event-schedule' },
      removeOnComplete: true,
      removeOnFail: true,
    } as const;
  }

  /** After the event's `attempts`-th failed attempt: the milliseconds until the next, or null when the schedule is spent. */
  next(attempts: number, retryAfterMs: number | null, random: () => number = Math.random): number | null {
    if (attempts > this.schedule.length) return null;
    const scheduled = this.schedule[attempts - 1] * 1000 * (0.9 + random() * 0.2);
    return Math.round(Math.max(scheduled, retryAfterMs ?? 0));
  }
}
