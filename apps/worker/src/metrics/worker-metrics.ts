import { Counter, Histogram } from 'prom-client';
import { ProcessMetrics, ReferralFunnel, SmsFallbacks, type TransportName } from '@app/platform';

export const SMS_DELIVERY_OUTCOMES = ['delivered', 'dropped', 'transient_failure', 'permanent_failure'] as const;
export type SmsDeliveryOutcome = (typeof SMS_DELIVERY_OUTCOMES)[number];

/** The `transport` of a code that reached none: dropped before sending, or a test number marked delivered unsent. */
export const NO_TRANSPORT = 'none';
/** A transport's name, or NO_TRANSPORT; an earlier run's transport may since have left SMS_TRANSPORT. */
export type DeliveryTransport = string;

export const WEBHOOK_DELIVERY_OUTCOMES = ['delivered', 'retry', 'failed', 'disabled'] as const;
export type WebhookDeliveryOutcome = (typeof WEBHOOK_DELIVERY_OUTCOMES)[number];

/**
 * The worker's metrics (SPEC section 9). Deliveries are counted in
 * CodeDeliveryService, where each attempt's outcome is decided, and webhook
 * deliveries in EventDeliveryProcessor; the backlog gauges (queue_jobs, the
 * outbox) are read when Prometheus scrapes (BacklogMetrics).
 */
export class WorkerMetrics extends ProcessMetrics {
  /** Referrals made final by the hold sweep, and their rewards. */
  readonly referralFunnel = new ReferralFunnel(this.registry);

  readonly smsDeliveries = new Counter({
    name: 'sms_deliveries_total',
    help: 'Code deliveries by transport and outcome: each failed hand-over counts once, as does each delivered or dropped code.',
    labelNames: ['transport', 'outcome'] as const,
    registers: [this.registry],
  });

  /** From the code request to the gateway's acceptance: the simulated gateway's 1-2 s, a real one's 0.2-5 s. */
  readonly smsDeliverySeconds = new Histogram({
    name: 'sms_delivery_seconds',
    help: "Seconds from the code request to the gateway's acceptance, by transport.",
    labelNames: ['transport'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 7.5, 10],
    registers: [this.registry],
  });

  /** Codes whose second route the worker claimed (silence); the API counts the undelivered ones. */
  readonly smsFallbacks = new SmsFallbacks(this.registry);

  readonly smsFallbacksSent = new Counter({
    name: 'sms_fallback_messages_total',
    help: 'Second messages a transport took, by transport.',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });

  readonly webhookDeliveries = new Counter({
    name: 'webhook_deliveries_total',
    help: "Attempts to deliver an event to the host app's webhook, by outcome.",
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** Every series of the configured transports exists from the start at 0. */
  constructor(transports: readonly TransportName[]) {
    super();
    for (const transport of [...transports, NO_TRANSPORT]) {
      for (const outcome of SMS_DELIVERY_OUTCOMES) this.smsDeliveries.labels(transport, outcome).inc(0);
    }
    for (const outcome of WEBHOOK_DELIVERY_OUTCOMES) this.webhookDeliveries.labels(outcome).inc(0);
    for (const transport of transports) this.smsFallbacksSent.labels(transport).inc(0);
  }

  smsFallbackSent(transport: DeliveryTransport): void {
    this.smsFallbacksSent.labels(transport).inc();
  }

  smsDelivery(transport: DeliveryTransport, outcome: SmsDeliveryOutcome): void {
    this.smsDeliveries.labels(transport, outcome).inc();
  }

  /** A delivered code, with its time from the request (measured by PostgreSQL, on one clock). */
  smsDelivered(transport: DeliveryTransport, seconds: number): void {
    this.smsDeliveries.labels(transport, 'delivered').inc();
    this.smsDeliverySeconds.labels(transport).observe(seconds);
  }

  webhookDelivery(outcome: WebhookDeliveryOutcome): void {
    this.webhookDeliveries.labels(outcome).inc();
  }
}
