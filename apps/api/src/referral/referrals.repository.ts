import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { phoneFacts, type Cursor, type ReferralState, type ReferralVerdict } from '@app/domain';
import {
  cursorAt,
  entityManager,
  isoUtc,
  noteEvent,
  pgConstraint,
  pgErrorCode,
  runPrepared,
  type PreparedStatement,
  type ReferralPolicy,
  type Transaction,
} from '@app/platform';

/** A referral as its inviter sees it: who, when, and where it stands (never the fraud signals). */
export const REFERRAL_STATE_COLUMNS = `r.id AS referral_id, coalesce(r.state, 'final') AS state,
  (r.verdict = 'review' AND r.state IN ('pending', 'qualified')) IS TRUE AS in_review,
  ${isoUtc('r.qualified_at')} AS qualified_at, ${isoUtc('r.final_due')} AS final_due, ${isoUtc('r.final_at')} AS final_at,
  ${isoUtc('r.voided_at')} AS voided_at, r.void_reason`;

const PAGE_COLUMNS = `u.phone_number, u.username, ${isoUtc('u.referred_at')} AS activated_at, ${REFERRAL_STATE_COLUMNS},
  ${cursorAt('u.referred_at')} AS cursor_at, u.id`;

/**
 * The referrals list pages by keyset over the covering index: every page costs
 * the same at any depth (bench (c), page 1 and page 500), prepared like the rest
 * of the hot reads; each row's referral by its unique index on referee_id.
 */
const FIRST_PAGE: PreparedStatement = {
  name: 'referrals_first_v2',
  text: `SELECT ${PAGE_COLUMNS} FROM users u LEFT JOIN referrals r ON r.referee_id = u.id
          WHERE u.referrer_id = $1 AND u.deleted_at IS NULL
          ORDER BY u.referred_at DESC, u.id DESC LIMIT $2`,
};
const NEXT_PAGE: PreparedStatement = {
  name: 'referrals_next_v2',
  text: `SELECT ${PAGE_COLUMNS} FROM users u LEFT JOIN referrals r ON r.referee_id = u.id
          WHERE u.referrer_id = $1 AND u.deleted_at IS NULL
            AND (u.referred_at, u.id) < ($3::timestamp AT TIME ZONE 'UTC', $4::uuid)
          ORDER BY u.referred_at DESC, u.id DESC LIMIT $2`,
};
/**
 * $1 = how many, $2 = how many counts to look at: the top of referral_counts
 * (one row per referrer, never the referrals), then their rows by primary key.
 * Deleted referrers keep their count row, so the top may hold fewer live users
 * than asked: then the caller looks further.
 */
const LEADERS: PreparedStatement = {
  name: 'referrals_leaders_v2',
  text: `WITH top AS (
           SELECT user_id, final AS referrals FROM referral_counts WHERE final > 0
            ORDER BY final DESC, user_id LIMIT $2)
         SELECT u.id, u.username, t.referrals AS referrals_count
           FROM top t JOIN users u ON u.id = t.user_id AND u.deleted_at IS NULL
          ORDER BY t.referrals DESC, t.user_id LIMIT $1`,
};
const TOTAL: PreparedStatement = {
  name: 'referrals_total_v2',
  text: `SELECT referrals, pending, qualified, final, void, in_review FROM referral_counts WHERE user_id = $1`,
};

/**
 * What happened to an activation. The database is the authority on each rule
 * (see the referrals migration): the check constraint refuses a self-referral,
 * `referrer_id IS NULL` (and the guard trigger behind it) lets a user activate
 * once, and the trigger walks the chain to refuse a circle. This repository
 * only says which rule spoke.
 */
/** `counted_before`: the user's phone number was counted as a referral before, under an account since deleted. */
export type Activation =
  'activated' | 'unchanged' | 'already' | 'counted_before' | 'not_found' | 'self' | 'cycle' | 'no_user';

/** One referral as the lists show it, as the statements write it. */
export interface ReferralUser {
  phone_number: string;
  username: string;
  activated_at: string;
}

/** One referral as its inviter's list shows it: the user and where the referral stands. */
export interface ReferralListEntry extends ReferralUser {
  referral_id: string | null;
  state: ReferralState;
  in_review: boolean;
  qualified_at: string | null;
  final_due: string | null;
  final_at: string | null;
  voided_at: string | null;
  void_reason: string | null;
}

/** An inviter's referrals by state (every referral, those of deleted accounts included). */
export interface ReferralCounts {
  pending: number;
  qualified: number;
  final: number;
  void: number;
  in_review: number;
}

export type ReferralRow = ReferralListEntry & { cursor_at: string; id: string };

interface ActivatedRow {
  referee_phone: string;
  referrer_phone: string | null;
}

/** Where the activation came from: what the fraud signals compare with the inviter's sessions. */
export interface ActivationContext {
  /** The invitee's client address (null: unknown). */
  address: string | null;
  /** The device id the client sent (null: none); else the session's, when `sessionId` is given. */
  deviceId: string | null;
  sessionId: string | null;
  policy: ReferralPolicy;
}

/** What an activation opened: the referral, its verdict, and the events written (for the funnel). */
export interface OpenedReferral {
  referralId: string;
  verdict: ReferralVerdict;
  eventTypes: string[];
}

/**
 * $1 referee, $2 address, $3 device id, $4 session (its device id when $3 is
 * null), $5 number type, $6 and $7 the countries, $8 the policy.
 */
const OPEN: PreparedStatement = {
  name: 'referral_open_v1',
  text: `SELECT referral_id, verdict, events, event_types FROM referral_open(
           $1, $2, coalesce($3, (SELECT device_id FROM sessions WHERE id = $4::uuid)), $5, $6, $7, $8::jsonb)`,
};

/** Every statement on who invited whom, named by what it does. */
@Injectable()
export class ReferralsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Sets the user's inviter to the owner of the code, in one statement. Two
   * activations for one user take turns on the user's row lock; the second finds
   * `referrer_id` set and changes nothing. Two that would close a circle
   * together (A takes B's code as B takes A's) wait on each other's rows in the
   * trigger: PostgreSQL aborts one (deadlock), the unit of work runs it again,
   * and it then finds the circle. That rare case costs about a second,
   * PostgreSQL's deadlock_timeout.
   */
  async activate(
    tx: Transaction,
    userId: string,
    code: string,
    fingerprint: (phone: string) => Buffer[],
    context: ActivationContext,
  ): Promise<{ outcome: Activation; opened?: OpenedReferral }> {
    const manager = entityManager(this.db, tx);
    try {
      // The update's trigger opens the referral (pending); referral_open records its signals and verdict.
      const [rows] = await manager.query<[ActivatedRow[], number]>(
        `UPDATE users u SET referrer_id = o.id, used_referral_code = o.referral_code, referred_at = clock_timestamp()
           FROM users o
          WHERE u.id = $1 AND u.deleted_at IS NULL AND u.referrer_id IS NULL
            AND o.referral_code = $2 AND o.deleted_at IS NULL
         RETURNING u.phone_number AS referee_phone, o.phone_number AS referrer_phone`,
        [userId, code],
      );
      if (rows.length > 0) {
        // A phone counted once is never counted again: the caller undoes the update above.
        if (!(await this.rememberReferredPhone(tx, fingerprint(rows[0].referee_phone)))) {
          return { outcome: 'counted_before' };
        }
        return { outcome: 'activated', opened: await this.open(tx, userId, rows[0], context) };
      }
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal) return { outcome: refusal };
      throw error;
    }
    // Nothing changed: say why.
    const [state] = await manager.query<Array<{ used_referral_code: string | null; code_exists: boolean }>>(
      `SELECT u.used_referral_code,
              EXISTS (SELECT 1 FROM users o WHERE o.referral_code = $2 AND o.deleted_at IS NULL) AS code_exists
         FROM users u WHERE u.id = $1 AND u.deleted_at IS NULL`,
      [userId, code],
    );
    if (!state) return { outcome: 'no_user' };
    if (state.used_referral_code === code) return { outcome: 'unchanged' };
    if (state.used_referral_code) return { outcome: 'already' };
    return { outcome: 'not_found' };
  }

  /** The referral's signals, verdict and first steps (referral_open), and its events noted for delivery. */
  private async open(
    tx: Transaction,
    refereeId: string,
    row: ActivatedRow,
    context: ActivationContext,
  ): Promise<OpenedReferral> {
    const invitee = phoneFacts(row.referee_phone);
    const inviter = row.referrer_phone ? phoneFacts(row.referrer_phone) : { country: null };
    const [opened] = await runPrepared<{
      referral_id: string;
      verdict: ReferralVerdict;
      events: string[];
      event_types: string[];
    }>(
      this.db,
      OPEN,
      [
        refereeId,
        context.address,
        context.deviceId,
        context.sessionId,
        invitee.type,
        invitee.country,
        inviter.country,
        JSON.stringify(context.policy),
      ],
      tx,
    );
    for (const id of opened.events) noteEvent(tx, id);
    return { referralId: opened.referral_id, verdict: opened.verdict, eventTypes: opened.event_types };
  }

  /**
   * `activate` inside a savepoint: a refusal (some of which the database raises)
   * is undone alone, and the caller's transaction goes on, as a sign-in does.
   */
  async activateOrSkip(
    tx: Transaction,
    userId: string,
    code: string,
    fingerprint: (phone: string) => Buffer[],
    context: ActivationContext,
  ): Promise<{ outcome: Activation; opened?: OpenedReferral }> {
    const manager = entityManager(this.db, tx);
    await manager.query('SAVEPOINT referral_activation');
    const result = await this.activate(tx, userId, code, fingerprint, context);
    await manager.query(
      result.outcome === 'activated'
        ? 'RELEASE SAVEPOINT referral_activation'
        : 'ROLLBACK TO SAVEPOINT referral_activation',
    );
    return result;
  }

  /** A live user's phone number and whether someone referred them (null: no such live user). */
  async referee(tx: Transaction, userId: string): Promise<{ phone: string; referred: boolean } | null> {
    const [row] = await entityManager(this.db, tx).query<Array<{ phone_number: string; referred: boolean }>>(
      `SELECT phone_number, referrer_id IS NOT NULL AS referred FROM users WHERE id = $1 AND deleted_at IS NULL`,
      [userId],
    );
    return row ? { phone: row.phone_number, referred: row.referred } : null;
  }

  /**
   * Records a referred phone's fingerprint under the current key (the first);
   * false when it was recorded before under any of them (a key since rotated,
   * or the token secret of before OTP_SECRET).
   */
  async rememberReferredPhone(tx: Transaction, fingerprints: Buffer[]): Promise<boolean> {
    const rows = await entityManager(this.db, tx).query<unknown[]>(
      `INSERT INTO referred_phones (phone_hash)
       SELECT $1 WHERE NOT EXISTS (SELECT 1 FROM referred_phones WHERE phone_hash = ANY($2::bytea[]))
       ON CONFLICT DO NOTHING RETURNING 1`,
      [fingerprints[0], fingerprints.slice(1)],
    );
    return rows.length > 0;
  }

  /** One page of the users who activated this user's code, newest first: one row more than the page. */
  page(userId: string, limit: number, after: Cursor | null): Promise<ReferralRow[]> {
    return after
      ? runPrepared<ReferralRow>(this.db, NEXT_PAGE, [userId, limit + 1, after.at, after.id])
      : runPrepared<ReferralRow>(this.db, FIRST_PAGE, [userId, limit + 1]);
  }

  /**
   * The live users with the most referrals: a top-N of referral_counts (one row per referrer, never the
   * referrals themselves), joined to their rows by primary key.
   */
  async leaders(limit: number): Promise<Array<{ id: string; username: string; referrals_count: number }>> {
    for (let looked = limit + 20; ; looked *= 4) {
      const rows = await runPrepared<{ id: string; username: string; referrals_count: number }>(this.db, LEADERS, [
        limit,
        looked,
      ]);
      if (rows.length >= limit) return rows;
      // Deleted referrers took places in the top: look further, unless there is nobody further.
      const [{ referrers }] = await this.db.query<Array<{ referrers: number }>>(
        `SELECT count(*)::int AS referrers FROM referral_counts WHERE final > 0`,
      );
      if (looked >= referrers) return rows;
    }
  }

  /** How many live users activated this user's code, and their referrals by state: the counts the triggers keep. */
  async counts(userId: string): Promise<ReferralCounts & { referrals: number }> {
    const [row] = await runPrepared<ReferralCounts & { referrals: number }>(this.db, TOTAL, [userId]);
    return row ?? { referrals: 0, pending: 0, qualified: 0, final: 0, void: 0, in_review: 0 };
  }
}

/** The database's refusals (constraint, guard trigger: RF409, RF422), as the rule that spoke. */
function refusalOf(error: unknown): Activation | null {
  switch (pgErrorCode(error)) {
    case 'RF409':
      return 'already';
    case 'RF422':
      return 'cycle';
    case '23514':
      return pgConstraint(error) === 'users_no_self_referral' ? 'self' : null;
    default:
      return null;
  }
}
