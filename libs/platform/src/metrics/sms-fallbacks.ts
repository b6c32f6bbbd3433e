import { Counter, type Registry } from 'prom-client';

/** Why a code went a second route (SPEC section 14): a receipt said undelivered, or none came in time. */
export const SMS_FALLBACK_REASONS = ['undelivered', 'silence'] as const;
export type SmsFallbackReason = (typeof SMS_FALLBACK_REASONS)[number];

/**
 * `sms_fallbacks_total{reason}`, counted by whichever process claimed the
 * second route: the API on an undelivered receipt, the worker on silence.
 * Prometheus sums the processes. Both series exist from the start at 0.
 */
export class SmsFallbacks {
  private readonly reasons: Map<SmsFallbackReason, Counter.Internal>;

  constructor(registry: Registry) {
    const counter = new Counter({
      name: 'sms_fallbacks_total',
      help: 'Codes handed to a second transport, by why: undelivered (a receipt said so) or silence.',
      labelNames: ['reason'] as const,
      registers: [registry],
    });
    this.reasons = new Map(SMS_FALLBACK_REASONS.map((reason) => [reason, counter.labels(reason)]));
    for (const child of this.reasons.values()) child.inc(0);
  }

  count(reason: SmsFallbackReason, codes = 1): void {
    this.reasons.get(reason)!.inc(codes);
  }
}
