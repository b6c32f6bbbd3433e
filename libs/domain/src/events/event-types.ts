/** The events the host app receives (SPEC section 8), and their delivery states. */
export const EVENT_TYPES = [
  'user.created',
  'referral.activated',
  'user.deleted',
  'user.phone_changed',
  'referral.qualified',
  'referral.finalized',
  'referral.voided',
  'reward.granted',
  'reward.reversed',
  'reward.fulfilled',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const EVENT_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/** What each event says; the body is `{type, timestamp, data}` (SPEC section 8). */
export interface EventData {
  'user.created': {
    id: string;
    /** null once the user was deleted before the event was delivered. */
    username: string | null;
    /** null once the user was deleted before the event was delivered. */
    phone_number: string | null;
    referral_code: string;
    created_at: string;
  };
  'referral.activated': {
    referrer: { id: string; username: string | null };
    referee: { id: string; username: string | null };
    referral_code: string;
    activated_at: string;
    referrals_count: number;
    /** From the referral lifecycle (SPEC section 13) on: the referral, its verdict and the signals behind it. */
    referral_id?: string;
    verdict?: ReferralVerdict;
    flags?: string[];
    signals?: ReferralSignals;
  };
  'referral.qualified': ReferralSides & {
    action: string;
    qualified_at: string;
    /** When it becomes final, unless voided or waiting for a review. */
    final_due: string;
    verdict: ReferralVerdict;
    flags: string[];
    signals: ReferralSignals;
  };
  'referral.finalized': ReferralSides & { final_at: string };
  'referral.voided': ReferralSides & {
    reason: string;
    by: 'host' | 'admin' | 'system';
    previous_state: ReferralState;
    voided_at: string;
    verdict: ReferralVerdict;
    flags: string[];
    signals: ReferralSignals;
  };
  'reward.granted': RewardFacts & { granted_at: string };
  'reward.reversed': RewardFacts & { reversal_id: string; reason: string; reversed_at: string };
  'reward.fulfilled': {
    reward_id: string;
    referral_id: string;
    user_id: string;
    reference: string | null;
    by: 'host' | 'admin';
    fulfilled_at: string;
  };
  'user.deleted': { id: string; deleted_at: string };
  /** Ids only: the host reads the new number from the users resource if it keeps one. */
  'user.phone_changed': { id: string; changed_at: string };
}

export const REFERRAL_STATES = ['pending', 'qualified', 'final', 'void'] as const;
export type ReferralState = (typeof REFERRAL_STATES)[number];
export const REFERRAL_VERDICTS = ['clear', 'review', 'reject'] as const;
export type ReferralVerdict = (typeof REFERRAL_VERDICTS)[number];

/** What the sign-in layer saw at the activation (null: not known, e.g. no device id sent). */
export interface ReferralSignals {
  same_network?: boolean | null;
  same_device?: boolean | null;
  referrals_last_hour?: number;
  velocity_per_hour?: number;
  number_type?: string | null;
  invitee_country?: string | null;
  inviter_country?: string | null;
  /** A referral made before the lifecycle existed: no signals were recorded. */
  backfilled?: boolean;
}

/** Ids only: the host reads the users it keeps. */
export interface ReferralSides {
  referral_id: string;
  referrer: { id: string };
  referee: { id: string };
}

export interface RewardFacts {
  reward_id: string;
  referral_id: string;
  user_id: string;
  role: 'inviter' | 'invitee' | 'milestone';
  /** For a milestone: the count of final referrals it rewards. */
  milestone: number | null;
  amount: number;
  unit: string;
}

export interface EventBody<T extends EventType = EventType> {
  type: T;
  timestamp: string;
  data: EventData[T];
}
