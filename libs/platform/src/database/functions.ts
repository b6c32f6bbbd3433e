import { readFileSync } from 'node:fs';

/**
 * The PostgreSQL functions the service runs (the sign-in policy, the SMS
 * budgets, the referral triggers), each in `functions/<name>.sql` as PostgreSQL
 * runs it: one definition to read and to change, where the migrations used to
 * carry a whole copy per change. `npm run build` copies the files beside the
 * compiled migrations; `test/database.e2e-spec.ts` holds the live functions to
 * their files.
 */
export const STORED_FUNCTIONS = [
  'lock_phone',
  'locked_for',
  'window_lock',
  'request_code',
  'verify_code',
  'reserve_sms_budget',
  'users_referral_guard',
  'users_referral_count',
  'iso_utc',
  'append_only',
  'referral_event',
  'referral_event_types',
  'users_referral_open',
  'referrals_count_states',
  'referral_grant',
  'referral_reverse',
  'referral_milestones',
  'referral_after',
  'referral_finalize_locked',
  'referral_void_locked',
  'referral_qualify_locked',
  'referral_open',
  'referral_host_call',
  'referral_review',
  'referral_finalize_due',
  'reward_fulfil',
  'lock_sms_budgets',
  'sms_budget_count',
  'release_sms_budget',
  'trim_sms_budget_hits',
] as const;

export type StoredFunction = (typeof STORED_FUNCTIONS)[number];

/** The `CREATE OR REPLACE FUNCTION` statement of a stored function, from its file. */
export function functionSql(name: StoredFunction): string {
  return readFileSync(new URL(`./functions/${name}.sql`, import.meta.url), 'utf8');
}
