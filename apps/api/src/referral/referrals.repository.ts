import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { type Cursor } from '@app/domain';
import {
  cursorAt,
  entityManager,
  isoUtc,
  pgConstraint,
  pgErrorCode,
  recordEvent,
  runPrepared,
  type PreparedStatement,
  type Transaction,
} from '@app/platform';

const PAGE_COLUMNS = `phone_number, username, ${isoUtc('referred_at')} AS activated_at,
  ${cursorAt('referred_at')} AS cursor_at, id`;

/**
 * The referrals list pages by keyset over the covering index: every page costs
 * the same at any depth (bench (c), page 1 and page 500), prepared like the rest
 * of the hot reads.
 */
const FIRST_PAGE: PreparedStatement = {
  name: 'referrals_first_v1',
  text: `SELECT ${PAGE_COLUMNS} FROM users
          WHERE referrer_id = $1 AND deleted_at IS NULL
          ORDER BY referred_at DESC, id DESC LIMIT $2`,
};
const NEXT_PAGE: PreparedStatement = {
  name: 'referrals_next_v1',
  text: `SELECT ${PAGE_COLUMNS} FROM users
          WHERE referrer_id = $1 AND deleted_at IS NULL
            AND (referred_at, id) < ($3::timestamp AT TIME ZONE 'UTC', $4::uuid)
          ORDER BY referred_at DESC, id DESC LIMIT $2`,
};
/**
 * $1 = how many, $2 = how many counts to look at: the top of referral_counts
 * (one row per referrer, never the referrals), then their rows by primary key.
 * Deleted referrers keep their count row, so the top may hold fewer live users
 * than asked: then the caller looks further.
 */
const LEADERS: PreparedStatement = {
  name: 'referrals_leaders_v1',
  text: `WITH top AS (
           SELECT user_id, referrals FROM referral_counts WHERE referrals > 0
            ORDER BY referrals DESC, user_id LIMIT $2)
         SELECT u.id, u.username, t.referrals AS referrals_count
           FROM top t JOIN users u ON u.id = t.user_id AND u.deleted_at IS NULL
          ORDER BY t.referrals DESC, t.user_id LIMIT $1`,
};
const TOTAL: PreparedStatement = {
  name: 'referrals_total_v1',
  text: `SELECT referrals FROM referral_counts WHERE user_id = $1`,
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

export type ReferralRow = ReferralUser & { cursor_at: string; id: string };

interface ActivatedRow {
  referee_username: string | null;
  referee_phone: string;
  referrer_id: string;
  referrer_username: string | null;
  referral_code: string;
  referred_at: Date;
}

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
  ): Promise<Activation> {
    const manager = entityManager(this.db, tx);
    try {
      const [rows] = await manager.query<[ActivatedRow[], number]>(
        `UPDATE users u SET referrer_id = o.id, used_referral_code = o.referral_code, referred_at = clock_timestamp()
           FROM users o
          WHERE u.id = $1 AND u.deleted_at IS NULL AND u.referrer_id IS NULL
            AND o.referral_code = $2 AND o.deleted_at IS NULL
         RETURNING u.username AS referee_username, u.phone_number AS referee_phone, o.id AS referrer_id,
                   o.username AS referrer_username, o.referral_code, u.referred_at`,
        [userId, code],
      );
      if (rows.length > 0) {
        // A phone counted once is never counted again: the caller undoes the update above.
        if (!(await this.rememberReferredPhone(tx, fingerprint(rows[0].referee_phone)))) return 'counted_before';
        await this.recordActivation(tx, userId, rows[0]);
        return 'activated';
      }
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal) return refusal;
      throw error;
    }
    // Nothing changed: say why.
    const [state] = await manager.query<Array<{ used_referral_code: string | null; code_exists: boolean }>>(
      `SELECT u.used_referral_code,
              EXISTS (SELECT 1 FROM users o WHERE o.referral_code = $2 AND o.deleted_at IS NULL) AS code_exists
         FROM users u WHERE u.id = $1 AND u.deleted_at IS NULL`,
      [userId, code],
    );
    if (!state) return 'no_user';
    if (state.used_referral_code === code) return 'unchanged';
    if (state.used_referral_code) return 'already';
    return 'not_found';
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
  ): Promise<Activation> {
    const manager = entityManager(this.db, tx);
    await manager.query('SAVEPOINT referral_activation');
    const outcome = await this.activate(tx, userId, code, fingerprint);
    await manager.query(
      outcome === 'activated' ? 'RELEASE SAVEPOINT referral_activation' : 'ROLLBACK TO SAVEPOINT referral_activation',
    );
    return outcome;
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

  /** The `referral.activated` event, with the referrer's count as the trigger left it in this transaction. */
  private async recordActivation(tx: Transaction, refereeId: string, row: ActivatedRow): Promise<void> {
    const [count] = await entityManager(this.db, tx).query<Array<{ referrals: number }>>(
      `SELECT referrals FROM referral_counts WHERE user_id = $1`,
      [row.referrer_id],
    );
    await recordEvent(this.db, tx, 'referral.activated', {
      referrer: { id: row.referrer_id, username: row.referrer_username },
      referee: { id: refereeId, username: row.referee_username },
      referral_code: row.referral_code,
      activated_at: row.referred_at.toISOString(),
      referrals_count: count?.referrals ?? 0,
    });
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
        `SELECT count(*)::int AS referrers FROM referral_counts WHERE referrals > 0`,
      );
      if (looked >= referrers) return rows;
    }
  }

  /** How many live users activated this user's code: the count the trigger keeps. */
  async total(userId: string): Promise<number> {
    const [row] = await runPrepared<{ referrals: number }>(this.db, TOTAL, [userId]);
    return row?.referrals ?? 0;
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
