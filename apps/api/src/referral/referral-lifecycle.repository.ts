import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Cursor, ReferralSignals, ReferralState, ReferralVerdict, RewardFacts } from '@app/domain';
import { cursorAt, entityManager, isoUtc, noteEvent, type ReferralPolicy, type Transaction } from '@app/platform';

/** What a step of the lifecycle answered: its outcome, and the types of the events it wrote (for the funnel). */
export interface StepAnswer<Outcome extends string = string> {
  outcome: Outcome;
  eventTypes: string[];
}

export type HostCallOutcome = 'qualified' | 'voided' | 'already' | 'void' | 'event_reused';
export type ReviewOutcome = 'approved' | 'rejected' | 'not_in_review' | 'not_found';
export type FulfilOutcome = 'fulfilled' | 'already' | 'reversed' | 'not_found';

/** A referral as an admin sees it: both people, its state, its verdict and the signals behind it. */
export interface AdminReferralRow {
  id: string;
  referrer: { id: string; username: string | null };
  referee: { id: string; username: string | null };
  referral_code: string;
  state: ReferralState;
  verdict: ReferralVerdict;
  flags: string[];
  signals: ReferralSignals;
  activated_at: string;
  qualified_at: string | null;
  qualifying_action: string | null;
  final_due: string | null;
  final_at: string | null;
  voided_at: string | null;
  void_reason: string | null;
  reviewed_at: string | null;
  reviewed_by: string | null;
  cursor_at: string;
}

export interface ReferralMoveRow {
  step: string;
  state: ReferralState;
  actor: string;
  reason: string | null;
  action: string | null;
  at: string;
}

/** A grant of the ledger with what became of it (a reversal, a fulfilment): the events' facts, by `id`. */
export interface RewardRow extends Omit<RewardFacts, 'reward_id'> {
  id: string;
  status: 'granted' | 'fulfilled' | 'reversed';
  granted_at: string;
  fulfilled_at: string | null;
  fulfilment_reference: string | null;
  reversed_at: string | null;
  reversal_reason: string | null;
  cursor_at: string;
}

const ADMIN_COLUMNS = `r.id, json_build_object('id', r.referrer_id, 'username', o.username) AS referrer,
  json_build_object('id', r.referee_id, 'username', e.username) AS referee, r.referral_code, r.state, r.verdict,
  r.flags, r.signals, ${isoUtc('r.activated_at')} AS activated_at, ${isoUtc('r.qualified_at')} AS qualified_at,
  r.qualifying_action, ${isoUtc('r.final_due')} AS final_due, ${isoUtc('r.final_at')} AS final_at,
  ${isoUtc('r.voided_at')} AS voided_at, r.void_reason, ${isoUtc('r.reviewed_at')} AS reviewed_at, r.reviewed_by,
  ${cursorAt('r.activated_at')} AS cursor_at`;

/** A referral with both people, for ADMIN_COLUMNS. */
const ADMIN_FROM = `referrals r JOIN users o ON o.id = r.referrer_id JOIN users e ON e.id = r.referee_id`;

const REWARD_COLUMNS = `g.id, g.referral_id, g.user_id, g.role, g.milestone, trim_scale(g.amount)::float8 AS amount, g.unit,
  CASE WHEN rv.id IS NOT NULL THEN 'reversed' WHEN f.id IS NOT NULL THEN 'fulfilled' ELSE 'granted' END AS status,
  ${isoUtc('g.created_at')} AS granted_at, ${isoUtc('f.created_at')} AS fulfilled_at, f.note AS fulfilment_reference,
  ${isoUtc('rv.created_at')} AS reversed_at, rv.note AS reversal_reason, ${cursorAt('g.created_at')} AS cursor_at`;

const REWARD_FROM = `reward_entries g
  LEFT JOIN reward_entries f ON f.of_entry = g.id AND f.kind = 'fulfilment'
  LEFT JOIN reward_entries rv ON rv.of_entry = g.id AND rv.kind = 'reversal'`;

/**
 * The referral lifecycle's statements (SPEC section 13). Every step is one of
 * the database's functions (libs/platform/src/database/functions/referral_*.sql),
 * which take the referral's row lock and hold the rules: this repository calls
 * them, and notes the events they wrote for delivery after the commit.
 */
@Injectable()
export class ReferralLifecycleRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The referral of a referred user (one at most), or null. */
  async referralOf(tx: Transaction, refereeId: string): Promise<string | null> {
    const [row] = await entityManager(this.db, tx).query<Array<{ id: string }>>(
      `SELECT id FROM referrals WHERE referee_id = $1`,
      [refereeId],
    );
    return row?.id ?? null;
  }

  /** The host's qualify or void, idempotent on its event id (referral_host_call). */
  hostCall(
    tx: Transaction,
    call: 'qualify' | 'void',
    referralId: string,
    eventId: string,
    text: string,
    actor: string,
    policy: ReferralPolicy,
  ): Promise<StepAnswer<HostCallOutcome>> {
    return this.step(tx, `SELECT * FROM referral_host_call($1, $2, $3, $4, $5, $6::jsonb)`, [
      call,
      referralId,
      eventId,
      text,
      actor,
      JSON.stringify(policy),
    ]);
  }

  /** An admin's approve or reject of a referral in review. */
  review(
    tx: Transaction,
    referralId: string,
    approve: boolean,
    reason: string | null,
    actor: string,
    policy: ReferralPolicy,
  ): Promise<StepAnswer<ReviewOutcome>> {
    return this.step(tx, `SELECT * FROM referral_review($1, $2, $3, $4, $5::jsonb)`, [
      referralId,
      approve,
      reason,
      actor,
      JSON.stringify(policy),
    ]);
  }

  /** The host marks a granted reward fulfilled, once. */
  fulfil(
    tx: Transaction,
    rewardId: string,
    reference: string | null,
    actor: string,
  ): Promise<StepAnswer<FulfilOutcome>> {
    return this.step(tx, `SELECT * FROM reward_fulfil($1, $2, $3)`, [rewardId, reference, actor]);
  }

  /**
   * An invitee leaving (their account deleted) before their referral was final:
   * it is void (reason invitee_deleted); a final one stays final, its rewards
   * stand. Null when there was nothing to void.
   */
  async voidOnLeaving(tx: Transaction, refereeId: string, policy: ReferralPolicy): Promise<StepAnswer | null> {
    const manager = entityManager(this.db, tx);
    const [row] = await manager.query<Array<{ id: string }>>(
      `SELECT id FROM referrals WHERE referee_id = $1 AND state IN ('pending', 'qualified') FOR UPDATE`,
      [refereeId],
    );
    if (!row) return null;
    const [voided] = await manager.query<Array<{ events: string[]; event_types: string[] }>>(
      `SELECT events, referral_event_types(events) AS event_types
         FROM (SELECT coalesce(referral_void_locked($1, 'invitee_deleted', 'system', $2::jsonb), '{}') AS events) v`,
      [row.id, JSON.stringify(policy)],
    );
    for (const id of voided.events) noteEvent(tx, id);
    return { outcome: 'voided', eventTypes: voided.event_types };
  }

  /** The admins' list, newest first, by keyset; `states` null: any. One row more than the page. */
  async adminPage(
    filter: { verdict: ReferralVerdict | null; states: ReferralState[] | null; referrerId: string | null },
    limit: number,
    after: Cursor | null,
  ): Promise<Array<AdminReferralRow & { id: string }>> {
    return this.db.query(
      `SELECT ${ADMIN_COLUMNS} FROM ${ADMIN_FROM}
        WHERE ($1::text IS NULL OR r.verdict = $1)
          AND ($2::text[] IS NULL OR r.state = ANY($2))
          AND ($3::uuid IS NULL OR r.referrer_id = $3)
          AND ($5::text IS NULL OR (r.activated_at, r.id) < ($5::timestamp AT TIME ZONE 'UTC', $6::uuid))
        ORDER BY r.activated_at DESC, r.id DESC LIMIT $4`,
      [filter.verdict, filter.states, filter.referrerId, limit + 1, after?.at ?? null, after?.id ?? null],
    );
  }

  /** One referral as admins see it, or null: what a step's answer carries. */
  async adminReferral(referralId: string): Promise<AdminReferralRow | null> {
    const [referral] = await this.db.query<AdminReferralRow[]>(
      `SELECT ${ADMIN_COLUMNS} FROM ${ADMIN_FROM}
        WHERE r.id = $1`,
      [referralId],
    );
    return referral ?? null;
  }

  /** One referral with its history and its rewards, or null. */
  async adminDetail(
    referralId: string,
  ): Promise<{ referral: AdminReferralRow; history: ReferralMoveRow[]; rewards: RewardRow[] } | null> {
    const [referral, history, rewards] = await Promise.all([
      this.adminReferral(referralId),
      this.db.query<ReferralMoveRow[]>(
        `SELECT step, state, actor, reason, action, ${isoUtc('at')} AS at
           FROM referral_moves WHERE referral_id = $1 ORDER BY id`,
        [referralId],
      ),
      this.db.query<RewardRow[]>(
        `SELECT ${REWARD_COLUMNS} FROM ${REWARD_FROM}
          WHERE g.referral_id = $1 AND g.kind = 'grant' ORDER BY g.created_at, g.id`,
        [referralId],
      ),
    ]);
    return referral ? { referral, history, rewards } : null;
  }

  /** A person's rewards (grants, with what became of each), newest first, by keyset: one row more than the page. */
  rewardsPage(userId: string, limit: number, after: Cursor | null): Promise<Array<RewardRow & { id: string }>> {
    return this.db.query(
      `SELECT ${REWARD_COLUMNS} FROM ${REWARD_FROM}
        WHERE g.user_id = $1 AND g.kind = 'grant'
          AND ($3::text IS NULL OR (g.created_at, g.id) < ($3::timestamp AT TIME ZONE 'UTC', $4::uuid))
        ORDER BY g.created_at DESC, g.id DESC LIMIT $2`,
      [userId, limit + 1, after?.at ?? null, after?.id ?? null],
    );
  }

  /** A person's balance per unit: grants less reversals. */
  balances(userId: string): Promise<Array<{ unit: string; amount: number }>> {
    return this.db.query(
      `SELECT unit, trim_scale(sum(amount))::float8 AS amount FROM reward_entries
        WHERE user_id = $1 AND kind IN ('grant', 'reversal') GROUP BY unit ORDER BY unit`,
      [userId],
    );
  }

  /** One grant as its owner and the host see it, or null. */
  async reward(rewardId: string, tx?: Transaction): Promise<RewardRow | null> {
    const [row] = await entityManager(this.db, tx).query<RewardRow[]>(
      `SELECT ${REWARD_COLUMNS} FROM ${REWARD_FROM} WHERE g.id = $1 AND g.kind = 'grant'`,
      [rewardId],
    );
    return row ?? null;
  }

  /** One step through its function: `(outcome, events, event_types)`; its events noted for delivery. */
  private async step<Outcome extends string>(
    tx: Transaction,
    sql: string,
    parameters: unknown[],
  ): Promise<StepAnswer<Outcome>> {
    const [row] = await entityManager(this.db, tx).query<
      Array<{ outcome: Outcome; events: string[]; event_types: string[] }>
    >(sql, parameters);
    for (const id of row.events) noteEvent(tx, id);
    return { outcome: row.outcome, eventTypes: row.event_types };
  }
}
