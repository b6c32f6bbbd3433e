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
}

export interface JobPayloads {
  [CodeDeliveryJob.DELIVER]: CodeDeliveryPayload;
}

/**
 * Retries with exponential backoff (1 s, 2 s, 4 s, ...); failed jobs stay for
 * inspection, the newest QUEUE_KEEP_FAILED of them for at most 14 days (by age
 * alone a pumping run to refused numbers filled Redis, which runs with
 * `noeviction`). Only the last 1,000 completed jobs are kept, for the
 * dashboard: delivery is idempotent, so a request queued again after its job
 * was removed is found delivered and dropped.
 */
export function codeDeliveryJobOptions(config: { queue: { keepFailed: number } }) {
  return {
    attempts: 6,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { count: 1000 },
    removeOnFail: { age: 14 * 24 * 3600, count: config.queue.keepFailed },
  } as const;
}

/** One job per code request: the job id is the request id, so a second add is a no-op. */
export function codeDeliveryJobId(codeRequestId: string): string {
  return codeRequestId;
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
 * One attempt now and one after each delay of the retry schedule (the worker's
 * backoff strategy reads the schedule and the receiver's Retry-After). Jobs go
 * when they end: every attempt is kept in event_attempts, and the event's
 * status says the rest, so the same id can be queued again (redelivery, an
 * endpoint enabled again).
 */
export function eventJobOptions(retrySchedule: readonly number[], eventId: string) {
  return {
    jobId: eventId,
    attempts: retrySchedule.length + 1,
    backoff: { type: 'event-schedule' },
    removeOnComplete: true,
    removeOnFail: true,
  } as const;
}
