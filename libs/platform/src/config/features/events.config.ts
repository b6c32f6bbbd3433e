import { IsOptional, Matches } from 'class-validator';
import { webhookSecretKey } from '@app/domain';
import { outboundUrlProblem } from '../outbound-urls.js';
import type { SmsSettings } from './sms.config.js';
import { type FeatureContext, GROUPS, type HelpOf, HTTP_URL, splitList, WEBHOOK_SECRET } from './shared.js';

/** Standard Webhooks' schedule: after the first attempt, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h. */
export const EVENTS_RETRY_SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 36000];

/** The host app's receiver of referral events, and how its deliveries are retried. */
export class EventsSettings {
  @IsOptional()
  @Matches(HTTP_URL, { message: 'EVENTS_WEBHOOK_URL must be an http:// or https:// URL' })
  EVENTS_WEBHOOK_URL?: string;

  @IsOptional()
  @Matches(WEBHOOK_SECRET, { message: 'EVENTS_WEBHOOK_SECRET must be whsec_ followed by base64' })
  EVENTS_WEBHOOK_SECRET?: string;

  @IsOptional()
  @Matches(/^\d+(\s*,\s*\d+)*$/, { message: 'EVENTS_RETRY_SCHEDULE must be seconds, comma-separated' })
  EVENTS_RETRY_SCHEDULE?: string;
}

const group = GROUPS.events;
export const EVENTS_HELP: HelpOf<EventsSettings> = {
  EVENTS_WEBHOOK_URL: { group, meaning: "the host app's receiver of signed referral events" },
  EVENTS_WEBHOOK_SECRET: { group, meaning: 'whsec_…: the Standard Webhooks secret events are signed with' },
  EVENTS_RETRY_SCHEDULE: {
    group,
    meaning: 'seconds before each retry of an event, comma-separated',
    default: EVENTS_RETRY_SCHEDULE.join(','),
  },
};

/** The host app's webhook for referral events (null: events are kept in the outbox, not sent). */
export interface EventsConfig {
  webhookUrl: string | null;
  /** The decoded key of EVENTS_WEBHOOK_SECRET. */
  secret: Buffer | null;
  /** Seconds before each retry, after the first attempt. */
  retrySchedule: number[];
  timeoutMs: number;
}

export function eventsConfig(
  v: EventsSettings & Pick<SmsSettings, 'ALLOW_HTTP_TO_PRIVATE_HOSTS'>,
  { isProduction, problem }: FeatureContext,
): EventsConfig {
  const secret = v.EVENTS_WEBHOOK_SECRET ? webhookSecretKey(v.EVENTS_WEBHOOK_SECRET) : null;
  if (secret && secret.length < 24) problem('EVENTS_WEBHOOK_SECRET', 'must hold at least 24 bytes');
  if (v.EVENTS_WEBHOOK_URL && !secret) {
    problem('EVENTS_WEBHOOK_SECRET', 'is required with EVENTS_WEBHOOK_URL: every event is signed');
  }
  // Production sends events over https only (a sidecar may be allowed plain http).
  const refused =
    isProduction && v.EVENTS_WEBHOOK_URL
      ? outboundUrlProblem(v.EVENTS_WEBHOOK_URL, v.ALLOW_HTTP_TO_PRIVATE_HOSTS === 'true')
      : null;
  if (refused) problem('EVENTS_WEBHOOK_URL', refused);
  return {
    webhookUrl: v.EVENTS_WEBHOOK_URL ?? null,
    secret,
    retrySchedule: v.EVENTS_RETRY_SCHEDULE ? splitList(v.EVENTS_RETRY_SCHEDULE).map(Number) : EVENTS_RETRY_SCHEDULE,
    timeoutMs: 15_000,
  };
}
