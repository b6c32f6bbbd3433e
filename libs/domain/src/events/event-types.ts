/** The events the host app receives (SPEC section 8), and their delivery states. */
export const EVENT_TYPES = ['user.created', 'referral.activated', 'user.deleted', 'user.phone_changed'] as const;
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
  };
  'user.deleted': { id: string; deleted_at: string };
  /** Ids only: the host reads the new number from the users resource if it keeps one. */
  'user.phone_changed': { id: string; changed_at: string };
}

export interface EventBody<T extends EventType = EventType> {
  type: T;
  timestamp: string;
  data: EventData[T];
}
