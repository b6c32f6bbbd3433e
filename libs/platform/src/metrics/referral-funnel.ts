import { Counter, type Registry } from 'prom-client';

/** The steps of the referral funnel (SPEC section 13), as `referral_funnel_total{step}` counts them. */
export const REFERRAL_FUNNEL_STEPS = [
  'activated',
  'review',
  'qualified',
  'final',
  'voided',
  'reward_granted',
  'reward_reversed',
  'reward_fulfilled',
] as const;
export type ReferralFunnelStep = (typeof REFERRAL_FUNNEL_STEPS)[number];

/** The event each step writes: the lifecycle's functions answer the types of the events they wrote. */
const STEP_OF_EVENT: Record<string, ReferralFunnelStep> = {
  'referral.activated': 'activated',
  'referral.qualified': 'qualified',
  'referral.finalized': 'final',
  'referral.voided': 'voided',
  'reward.granted': 'reward_granted',
  'reward.reversed': 'reward_reversed',
  'reward.fulfilled': 'reward_fulfilled',
};

/**
 * The referral funnel, counted by whichever process made the step (the API for
 * activations and the host's and admins' calls, the worker for referrals whose
 * hold ended): Prometheus sums the processes. Every step's series exists at 0.
 */
export class ReferralFunnel {
  private readonly steps: Map<ReferralFunnelStep, Counter.Internal>;

  constructor(registry: Registry) {
    const counter = new Counter({
      name: 'referral_funnel_total',
      help: 'Referral steps: activated, sent to review, qualified, final, voided; rewards granted, reversed, fulfilled.',
      labelNames: ['step'] as const,
      registers: [registry],
    });
    this.steps = new Map(REFERRAL_FUNNEL_STEPS.map((step) => [step, counter.labels(step)]));
    for (const child of this.steps.values()) child.inc(0);
  }

  count(step: ReferralFunnelStep): void {
    this.steps.get(step)!.inc();
  }

  /** One step per event the lifecycle wrote, in its order. */
  countEvents(types: readonly string[]): void {
    for (const type of types) {
      const step = STEP_OF_EVENT[type];
      if (step) this.count(step);
    }
  }
}
