import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { type Cursor } from '@app/domain';
import {
  cursorAt,
  entityManager,
  isoUtc,
  eraseUserFromEvents,
  recordEvent,
  runPrepared,
  uniqueViolation,
  type PreparedStatement,
  type Transaction,
} from '@app/platform';
import type { ReferralCounts, ReferralUser } from '../referral/referrals.repository.js';

/** The profile's inline list; the rest pages through /referrals/. */
const PROFILE_REFERRALS = 100;

/** A user in the API's shape, from `users u` and `referral_counts c`. */
const USER_COLUMNS = `u.id, u.username, u.phone_number, u.referral_code, u.used_referral_code,
  (SELECT r.username FROM users r WHERE r.id = u.referrer_id) AS referred_by,
  coalesce(c.referrals, 0) AS referrals_count,
  json_build_object('pending', coalesce(c.pending, 0), 'qualified', coalesce(c.qualified, 0),
    'final', coalesce(c.final, 0), 'void', coalesce(c.void, 0), 'in_review', coalesce(c.in_review, 0)) AS referrals_by_state,
  ${isoUtc('u.created_at')} AS created_at`;

/** The newest referrals of `u`, from the covering index alone (an index-only scan, whatever their number). */
const NEWEST_REFERRALS = `(SELECT coalesce(json_agg(r), '[]'::json) FROM (
       SELECT i.phone_number, i.username, ${isoUtc('i.referred_at')} AS activated_at
         FROM users i
        WHERE i.referrer_id = u.id AND i.deleted_at IS NULL
        ORDER BY i.referred_at DESC, i.id DESC
        LIMIT ${PROFILE_REFERRALS}) r) AS referral_users_list`;

/** $1 = user id: a profile with its count and newest referrals. */
export const PROFILE: PreparedStatement = {
  name: 'profile_v3',
  text: `SELECT ${USER_COLUMNS}, ${NEWEST_REFERRALS}
           FROM users u LEFT JOIN referral_counts c ON c.user_id = u.id
          WHERE u.id = $1 AND u.deleted_at IS NULL`,
};

/**
 * $1 = user id, $2 = session id: the caller's own profile, answered only while
 * the session is live and the user exists, in one round trip.
 */
export const OWN_PROFILE: PreparedStatement = {
  name: 'own_profile_v4',
  text: `SELECT ${USER_COLUMNS}, ${NEWEST_REFERRALS}
           FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN referral_counts c ON c.user_id = u.id
          WHERE s.id = $2 AND s.user_id = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
            AND u.deleted_at IS NULL`,
};

export interface NewUser {
  id: string;
  phoneNumber: string;
  username: string;
  referralCode: string;
}

/** Which unique value of a new user was taken. */
export type TakenValue = 'phone_number' | 'username' | 'referral_code';

const TAKEN_BY_INDEX: Record<string, TakenValue> = {
  users_phone_number_key: 'phone_number',
  users_username_key: 'username',
  users_referral_code_key: 'referral_code',
};

/** A user as the statements write it; the service adds what is derived (the invite link). */
export interface StoredUser {
  id: string;
  username: string;
  phone_number: string;
  referral_code: string;
  used_referral_code: string | null;
  referred_by: string | null;
  referrals_count: number;
  referrals_by_state: ReferralCounts;
  created_at: string;
}

/** A profile: the user, with the newest referrals. */
export interface StoredProfile extends StoredUser {
  referral_users_list: ReferralUser[];
}
export type UserRow = StoredUser & { cursor_at: string };

/** Every statement on users, named by what it does. */
@Injectable()
export class UsersRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * GET /users/me/ is this one prepared statement: the session check, the
   * profile, the count and the newest 100 referrals, where the guard's session
   * lookup and a profile read would be two. Bench (a), the API's most read path,
   * and the statement its framework-free ceiling runs.
   */
  async ownProfile(userId: string, sessionId: string): Promise<StoredProfile | null> {
    const [profile] = await runPrepared<StoredProfile>(this.db, OWN_PROFILE, [userId, sessionId]);
    return profile ?? null;
  }

  /** A profile by id, in `tx` when given (read after every change: bench f). */
  async profile(userId: string, tx?: Transaction): Promise<StoredProfile | null> {
    const [profile] = await runPrepared<StoredProfile>(this.db, PROFILE, [userId], tx);
    return profile ?? null;
  }

  async liveByPhone(
    tx: Transaction,
    phoneNumber: string,
  ): Promise<{ id: string; username: string; referral_code: string } | null> {
    const [row] = await entityManager(this.db, tx).query<
      Array<{ id: string; username: string; referral_code: string }>
    >(`SELECT id, username, referral_code FROM users WHERE phone_number = $1 AND deleted_at IS NULL`, [phoneNumber]);
    return row ?? null;
  }

  /** Usernames compare case-insensitively, as their unique index does. */
  async idByUsername(username: string): Promise<string | null> {
    const [row] = await this.db.query<Array<{ id: string }>>(
      `SELECT id FROM users WHERE lower(username) = lower($1) AND deleted_at IS NULL`,
      [username],
    );
    return row?.id ?? null;
  }

  async isUsernameTaken(username: string): Promise<boolean> {
    return (await this.idByUsername(username)) !== null;
  }

  /**
   * Inserts a user and its `user.created` event; null when any of its unique
   * values is taken (the caller asks `takenValue` which, or tries others).
   */
  async insertIfFree(tx: Transaction, user: NewUser): Promise<NewUser | null> {
    const [row] = await entityManager(this.db, tx).query<Array<{ created_at: Date }>>(
      `INSERT INTO users (id, phone_number, username, referral_code) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING created_at`,
      [user.id, user.phoneNumber, user.username, user.referralCode],
    );
    if (!row) return null;
    await recordEvent(this.db, tx, 'user.created', {
      id: user.id,
      username: user.username,
      phone_number: user.phoneNumber,
      referral_code: user.referralCode,
      created_at: row.created_at.toISOString(),
    });
    return user;
  }

  /** After `insertIfFree` refused a user: which of its unique values a live user (or a tombstone's code) holds. */
  async takenValue(tx: Transaction, user: NewUser): Promise<TakenValue> {
    const [row] = await entityManager(this.db, tx).query<Array<{ phone: boolean; username: boolean }>>(
      `SELECT EXISTS (SELECT 1 FROM users WHERE phone_number = $1) AS phone,
              EXISTS (SELECT 1 FROM users WHERE lower(username) = lower($2)) AS username`,
      [user.phoneNumber, user.username],
    );
    return row.phone ? 'phone_number' : row.username ? 'username' : 'referral_code';
  }

  /**
   * Moves a live user to another phone number and records `user.phone_changed`
   * (ids only), in the caller's transaction; 'taken' when a live user has the
   * number (the unique index decides, so of two moves racing for one number
   * one wins). The old number is free for a new account at once.
   */
  async movePhone(tx: Transaction, userId: string, phoneNumber: string): Promise<'moved' | 'taken' | 'gone'> {
    let rows: Array<{ changed_at: Date }>;
    try {
      [rows] = await entityManager(this.db, tx).query<[Array<{ changed_at: Date }>, number]>(
        `UPDATE users SET phone_number = $2 WHERE id = $1 AND deleted_at IS NULL RETURNING now() AS changed_at`,
        [userId, phoneNumber],
      );
    } catch (error) {
      if (TAKEN_BY_INDEX[uniqueViolation(error) ?? ''] === 'phone_number') return 'taken';
      throw error;
    }
    if (rows.length === 0) return 'gone';
    await recordEvent(this.db, tx, 'user.phone_changed', { id: userId, changed_at: rows[0].changed_at.toISOString() });
    return 'moved';
  }

  /** Renames a live user; 'taken' when another live user has the name, in any case. */
  async rename(tx: Transaction, userId: string, username: string): Promise<'renamed' | 'taken'> {
    // A refused rename aborts the transaction: the caller throws, and the whole change is undone.
    try {
      await entityManager(this.db, tx).query(`UPDATE users SET username = $2 WHERE id = $1 AND deleted_at IS NULL`, [
        userId,
        username,
      ]);
      return 'renamed';
    } catch (error) {
      if (TAKEN_BY_INDEX[uniqueViolation(error) ?? ''] === 'username') return 'taken';
      throw error;
    }
  }

  /**
   * Counts one rename of a user against its hourly limit, under the user's row
   * lock so concurrent renames take turns. Null when it is allowed; else the
   * seconds until the oldest counted rename leaves the hour.
   */
  async claimRename(tx: Transaction, userId: string, perHour: number): Promise<number | null> {
    const manager = entityManager(this.db, tx);
    await manager.query(`SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, [userId]);
    const [window] = await manager.query<Array<{ renames: number; wait: number }>>(
      `SELECT count(*)::integer AS renames,
              greatest(1, ceil(extract(epoch FROM min(changed_at) + interval '1 hour' - now())))::integer AS wait
         FROM username_changes WHERE user_id = $1 AND changed_at > now() - interval '1 hour'`,
      [userId],
    );
    if (window.renames >= perHour) return window.wait;
    await manager.query(`INSERT INTO username_changes (user_id) VALUES ($1)`, [userId]);
    return null;
  }

  /**
   * Erases phone and username and marks the row deleted (a tombstone keeps the
   * invite code), erases both from the events not yet delivered, and records
   * `user.deleted` (ids only); false when gone already.
   */
  async softDelete(tx: Transaction, userId: string): Promise<boolean> {
    const [rows] = await entityManager(this.db, tx).query<[Array<{ deleted_at: Date }>, number]>(
      `UPDATE users SET deleted_at = now(), phone_number = NULL, username = NULL
        WHERE id = $1 AND deleted_at IS NULL RETURNING deleted_at`,
      [userId],
    );
    if (rows.length === 0) return false;
    await eraseUserFromEvents(this.db, tx, userId);
    await recordEvent(this.db, tx, 'user.deleted', { id: userId, deleted_at: rows[0].deleted_at.toISOString() });
    return true;
  }

  /** Live users, newest first, after the cursor: one row more than the page, to tell whether another follows. */
  page(limit: number, after: Cursor | null): Promise<UserRow[]> {
    return this.db.query<UserRow[]>(
      `SELECT ${USER_COLUMNS}, ${cursorAt('u.created_at')} AS cursor_at
         FROM users u LEFT JOIN referral_counts c ON c.user_id = u.id
        WHERE u.deleted_at IS NULL
          AND ($2::text IS NULL OR (u.created_at, u.id) < ($2::timestamp AT TIME ZONE 'UTC', $3::uuid))
        ORDER BY u.created_at DESC, u.id DESC
        LIMIT $1`,
      [limit + 1, after?.at ?? null, after?.id ?? null],
    );
  }
}
