import type { PreparedStatement } from '@app/domain';

/**
 * The SQL of the hot reads, in one place: the services run it, and the
 * benchmark's framework-free ceiling runs exactly the same statements.
 */

/** A timestamp as JSON wants it: ISO 8601, UTC, milliseconds. */
const isoUtc = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A timestamp as a keyset cursor keeps it: UTC text with microseconds. */
export const cursorAt = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`;

/** The profile's inline list; the rest pages through /referrals/. */
const PROFILE_REFERRALS = 100;

/** The columns of a user in the API's shape, from `users u` and `referral_counts c`. */
export const USER_COLUMNS = `u.id, u.username, u.phone_number, u.referral_code, u.used_referral_code,
  coalesce(c.referrals, 0) AS referrals_count, ${isoUtc('u.created_at')} AS created_at`;

/** The newest referrals of `u`, from the covering index alone (index-only scan, whatever their number). */
const NEWEST_REFERRALS = `(SELECT coalesce(json_agg(r), '[]'::json) FROM (
       SELECT i.phone_number, i.username, ${isoUtc('i.referred_at')} AS activated_at
         FROM users i
        WHERE i.referrer_id = u.id AND i.deleted_at IS NULL
        ORDER BY i.referred_at DESC, i.id DESC
        LIMIT ${PROFILE_REFERRALS}) r) AS referral_users_list`;

/** $1 = session id, $2 = user id: the caller behind a verified access token. */
export const SESSION_USER: PreparedStatement = {
  name: 'session_user_v1',
  text: `SELECT u.phone_number FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND u.deleted_at IS NULL`,
};

/** $1 = user id: a profile with its count and newest referrals. */
export const PROFILE: PreparedStatement = {
  name: 'profile_v1',
  text: `SELECT ${USER_COLUMNS}, ${NEWEST_REFERRALS}
           FROM users u LEFT JOIN referral_counts c ON c.user_id = u.id
          WHERE u.id = $1 AND u.deleted_at IS NULL`,
};

/**
 * $1 = user id, $2 = session id: the caller's own profile, answered only while
 * the session is live and the user exists. GET /users/me/ is one statement:
 * the session check and the profile in a single round trip.
 */
export const OWN_PROFILE: PreparedStatement = {
  name: 'own_profile_v1',
  text: `SELECT ${USER_COLUMNS}, ${NEWEST_REFERRALS}
           FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN referral_counts c ON c.user_id = u.id
          WHERE s.id = $2 AND s.user_id = $1 AND s.revoked_at IS NULL AND u.deleted_at IS NULL`,
};

const REFERRAL_PAGE_COLUMNS = `phone_number, username, ${isoUtc('referred_at')} AS activated_at,
  ${cursorAt('referred_at')} AS cursor_at, id`;

/** $1 = user id, $2 = page size + 1: the first page of the referrals, newest first. */
export const REFERRALS_FIRST_PAGE: PreparedStatement = {
  name: 'referrals_first_v1',
  text: `SELECT ${REFERRAL_PAGE_COLUMNS} FROM users
          WHERE referrer_id = $1 AND deleted_at IS NULL
          ORDER BY referred_at DESC, id DESC LIMIT $2`,
};

/** $1 = user id, $2 = page size + 1, ($3, $4) = the cursor: the page after it. */
export const REFERRALS_NEXT_PAGE: PreparedStatement = {
  name: 'referrals_next_v1',
  text: `SELECT ${REFERRAL_PAGE_COLUMNS} FROM users
          WHERE referrer_id = $1 AND deleted_at IS NULL
            AND (referred_at, id) < ($3::timestamp AT TIME ZONE 'UTC', $4::uuid)
          ORDER BY referred_at DESC, id DESC LIMIT $2`,
};

/** $1 = user id: how many live users activated the code. */
export const REFERRALS_TOTAL: PreparedStatement = {
  name: 'referrals_total_v1',
  text: `SELECT referrals FROM referral_counts WHERE user_id = $1`,
};
