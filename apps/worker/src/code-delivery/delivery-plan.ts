import type { SmsAttemptState } from '@app/platform';

export interface TransportTraits {
  name: string;
  idempotent: boolean;
}

export interface PastAttempt {
  transport: string;
  state: SmsAttemptState;
}

export type Plan = { accepted: string } | { tryInOrder: string[] };

/**
 * Which transports a delivery may still use, from what happened on its earlier
 * runs. A transport that took the message means it is delivered (it is never
 * handed it again); one that refused it for good is skipped; one that may have
 * taken it (an ambiguous attempt, or one the worker died in) is skipped too,
 * unless it drops repeats itself. A transient refusal leaves a transport in.
 */
export function planDelivery(transports: TransportTraits[], attempts: PastAttempt[]): Plan {
  const accepted = attempts.find((attempt) => attempt.state === 'accepted');
  if (accepted) return { accepted: accepted.transport };
  const tryInOrder = transports
    .filter(({ name, idempotent }) => {
      const states = new Set(attempts.filter((attempt) => attempt.transport === name).map((attempt) => attempt.state));
      if (states.has('permanent')) return false;
      return idempotent || !(states.has('ambiguous') || states.has('sending'));
    })
    .map(({ name }) => name);
  return { tryInOrder };
}
