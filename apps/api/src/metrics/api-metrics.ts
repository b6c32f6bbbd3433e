import { Counter, Histogram } from 'prom-client';
import { ProcessMetrics, ReferralFunnel, SmsFallbacks } from '@app/platform';

export const OTP_REQUEST_OUTCOMES = [
  'sent',
  'cooldown',
  'hourly_cap',
  'locked',
  'ip_limited',
  'country_blocked',
  'budget_exceeded',
  'username_taken',
] as const;
export type OtpRequestOutcome = (typeof OTP_REQUEST_OUTCOMES)[number];

export const OTP_VERIFICATION_OUTCOMES = ['success', 'invalid', 'locked'] as const;
export type OtpVerificationOutcome = (typeof OTP_VERIFICATION_OUTCOMES)[number];

export const REFERRAL_ACTIVATION_OUTCOMES = ['activated', 'already', 'not_found', 'self', 'cycle'] as const;
export type ReferralActivationOutcome = (typeof REFERRAL_ACTIVATION_OUTCOMES)[number];

export const RECEIPT_REFUSALS = ['bad_signature', 'unknown_message', 'unknown_state'] as const;
export type ReceiptRefusal = (typeof RECEIPT_REFUSALS)[number];
const RECEIPT_TRANSPORTS = ['twilio', 'vonage', 'smsru', 'whatsapp', 'telegram'] as const;

/** Requests without a route (404, a method the route does not take) share one label value. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The API's metrics (SPEC section 9). Each outcome is counted where it is
 * decided: the per-IP limit in the throttler guard, the country and the
 * budgets in the pumping service, the per-phone rules and the verifications in
 * the sign-in service, activations in the referral service. Every outcome's
 * series exists from the start at 0, so rates and ratios work before the first
 * event.
 */
export class ApiMetrics extends ProcessMetrics {
  /** Milliseconds to seconds: most answers take 1-50 ms, a slow one a second or more. */
  readonly httpRequestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from the request to its answer, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly otpRequests = outcomes(this, 'otp_requests_total', 'Code requests, by outcome.', OTP_REQUEST_OUTCOMES);

  readonly otpVerifications = outcomes(
    this,
    'otp_verifications_total',
    'Sign-ins with a code, by outcome.',
    OTP_VERIFICATION_OUTCOMES,
  );

  readonly referralActivations = outcomes(
    this,
    'referral_activations_total',
    'Invite-code activations (in the profile or through an invite link), by outcome.',
    REFERRAL_ACTIVATION_OUTCOMES,
  );

  readonly referralFunnel = new ReferralFunnel(this.registry);

  /** Final receipts: the delivered ratio per transport and country is delivered over all of them. */
  readonly smsReceipts = new Counter({
    name: 'sms_receipts_total',
    help: "Messages' outcomes as their gateway reported them, by transport, country and state.",
    labelNames: ['transport', 'country', 'state'] as const,
    registers: [this.registry],
  });

  readonly smsReceiptSeconds = new Histogram({
    name: 'sms_receipt_seconds',
    help: "Time from a gateway's acceptance of a message to its final receipt, by transport and country.",
    labelNames: ['transport', 'country'] as const,
    buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });

  readonly smsReceiptsRefused = new Counter({
    name: 'sms_receipts_refused_total',
    help: 'Receipts that changed nothing: a bad signature, a message we did not send, a state we do not know.',
    labelNames: ['transport', 'reason'] as const,
    registers: [this.registry],
  });

  readonly smsFallbacks = new SmsFallbacks(this.registry);

  /** Bot checks by outcome: passed, failed, missing (no token), unavailable_allowed, unavailable_refused. */
  readonly botChecks = new Counter({
    name: 'bot_checks_total',
    help: 'Bot checks of sign-ups that needed one, by provider and outcome (passed, failed, missing, unavailable_allowed, unavailable_refused).',
    labelNames: ['provider', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly botCheckSeconds = new Histogram({
    name: 'bot_check_seconds',
    help: "How long the provider's siteverify took, by provider.",
    labelNames: ['provider'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers: [this.registry],
  });

  readonly smsConversionTrips = new Counter({
    name: 'sms_conversion_trips_total',
    help: 'Codes to a number range whose conversion fell below SMS_CONVERSION_MIN_RATIO: refused (enforce), only counted (shadow), or let through after a bot check (bot_checked).',
    labelNames: ['country', 'mode'] as const,
    registers: [this.registry],
  });

  constructor() {
    super();
    for (const transport of RECEIPT_TRANSPORTS)
      for (const reason of RECEIPT_REFUSALS) this.smsReceiptsRefused.labels(transport, reason).inc(0);
  }

  countReceipt(transport: string, country: string, state: string, seconds: number): void {
    this.smsReceipts.labels(transport, country, state).inc();
    this.smsReceiptSeconds.labels(transport, country).observe(seconds);
  }

  countReceiptRefused(transport: string, reason: ReceiptRefusal): void {
    this.smsReceiptsRefused.labels(transport, reason).inc();
  }

  /** One child per method, route and status, kept: the label hash is the costly part of an observation. */
  private readonly httpChildren = new Map<string, Histogram.Internal<'method' | 'route' | 'status_code'>>();

  /** Observes one answered request; `route` is the pattern Fastify matched (never the path a client sent). */
  observeRequest(method: string, route: string | undefined, statusCode: number, milliseconds: number): void {
    const pattern = route ?? UNMATCHED_ROUTE;
    const key = `${method} ${statusCode} ${pattern}`;
    let child = this.httpChildren.get(key);
    if (!child) {
      child = this.httpRequestDuration.labels(method, pattern, String(statusCode));
      this.httpChildren.set(key, child);
    }
    child.observe(milliseconds / 1000);
  }
}

function outcomes<T extends string>(
  metrics: ProcessMetrics,
  name: string,
  help: string,
  values: readonly T[],
): { count(outcome: T): void } {
  const counter = new Counter({ name, help, labelNames: ['outcome'] as const, registers: [metrics.registry] });
  const children = new Map(values.map((value) => [value, counter.labels(value)]));
  for (const child of children.values()) child.inc(0);
  return { count: (outcome: T) => children.get(outcome)!.inc() };
}
