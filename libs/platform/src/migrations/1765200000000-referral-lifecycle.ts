import type { MigrationInterface, QueryRunner } from 'typeorm';
import { functionSql, type StoredFunction } from '../database/functions.js';

/** The functions of the referral lifecycle, in an order where each finds the ones it names in its body. */
const LIFECYCLE_FUNCTIONS: StoredFunction[] = [
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
];

/**
 * SPEC section 13: a referral's life, its fraud signals, and the rewards ledger.
 *
 * referrals: one per referred user (users_referral_open makes it at the
 *   activation, whichever release activated), with its state (pending,
 *   qualified, final, void), its verdict (clear, review, reject), the signals
 *   behind it, and the times and reasons of each step. The check constraint
 *   holds the states to their times: final is never void, and never anything
 *   but clear.
 * referral_moves: every step, a row of its own (append-only).
 * referral_host_calls: the host's qualify and void calls by their own event
 *   id: a retried call is answered as the first, and changes nothing.
 * reward_entries: the ledger (append-only). A grant per referral and side
 *   (unique), a milestone grant per inviter, milestone and occurrence
 *   (unique), one reversal and one fulfilment per grant (unique).
 * referral_counts: counts per state beside the count of live invitees, kept
 *   by referrals_count_states; the leaderboard reads `final`.
 * sessions.device_id: the device id the client sent at sign-in (the page
 *   makes one), compared at activation.
 *
 * Referrals made before this migration are final and clear, their signals
 * `{"backfilled": true}`; no reward is granted for them.
 */
export class ReferralLifecycle1765200000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE sessions ADD COLUMN device_id varchar(64)`);
    await db.query(`
      CREATE TABLE referrals (
        id uuid PRIMARY KEY,
        referee_id uuid NOT NULL CONSTRAINT referrals_referee_id_fkey REFERENCES users (id),
        referrer_id uuid NOT NULL CONSTRAINT referrals_referrer_id_fkey REFERENCES users (id),
        referral_code char(6) NOT NULL,
        state varchar(12) NOT NULL DEFAULT 'pending',
        verdict varchar(8) NOT NULL DEFAULT 'clear',
        signals jsonb NOT NULL DEFAULT '{}',
        flags text[] NOT NULL DEFAULT '{}',
        activated_at timestamptz NOT NULL,
        qualified_at timestamptz,
        qualifying_action varchar(100),
        final_due timestamptz,
        final_at timestamptz,
        voided_at timestamptz,
        void_reason varchar(200),
        reviewed_at timestamptz,
        reviewed_by varchar(64),
        CONSTRAINT referrals_state_check CHECK (state IN ('pending', 'qualified', 'final', 'void')),
        CONSTRAINT referrals_verdict_check CHECK (verdict IN ('clear', 'review', 'reject')),
        CONSTRAINT referrals_life_check CHECK (
          (state = 'pending' AND qualified_at IS NULL AND final_at IS NULL AND voided_at IS NULL)
          OR (state = 'qualified' AND qualified_at IS NOT NULL AND final_due IS NOT NULL AND final_at IS NULL
              AND voided_at IS NULL)
          OR (state = 'final' AND final_at IS NOT NULL AND voided_at IS NULL AND verdict = 'clear')
          OR (state = 'void' AND voided_at IS NOT NULL AND void_reason IS NOT NULL))
      )`);
    await db.query(`CREATE UNIQUE INDEX referrals_referee_key ON referrals (referee_id)`);
    await db.query(`CREATE INDEX referrals_referrer_idx ON referrals (referrer_id, activated_at)`);
    await db.query(`CREATE INDEX referrals_activated_idx ON referrals (activated_at DESC, id DESC)`);
    await db.query(`
      CREATE INDEX referrals_review_idx ON referrals (activated_at DESC, id DESC)
       WHERE verdict = 'review' AND state IN ('pending', 'qualified')`);
    await db.query(`
      CREATE INDEX referrals_due_idx ON referrals (final_due) WHERE state = 'qualified' AND verdict = 'clear'`);

    await db.query(`
      CREATE TABLE referral_moves (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        referral_id uuid NOT NULL CONSTRAINT referral_moves_referral_id_fkey REFERENCES referrals (id),
        step varchar(12) NOT NULL,
        state varchar(12) NOT NULL,
        actor varchar(64) NOT NULL,
        reason varchar(200),
        action varchar(100),
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT referral_moves_step_check
          CHECK (step IN ('activated', 'flagged', 'qualified', 'final', 'approved', 'rejected', 'voided'))
      )`);
    await db.query(`CREATE INDEX referral_moves_referral_idx ON referral_moves (referral_id, id)`);

    await db.query(`
      CREATE TABLE referral_host_calls (
        event_id varchar(200) PRIMARY KEY,
        call varchar(8) NOT NULL,
        referral_id uuid NOT NULL CONSTRAINT referral_host_calls_referral_id_fkey REFERENCES referrals (id),
        outcome varchar(16) NOT NULL,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT referral_host_calls_call_check CHECK (call IN ('qualify', 'void'))
      )`);

    await db.query(`
      CREATE TABLE reward_entries (
        id uuid PRIMARY KEY,
        kind varchar(12) NOT NULL,
        user_id uuid NOT NULL CONSTRAINT reward_entries_user_id_fkey REFERENCES users (id),
        referral_id uuid NOT NULL CONSTRAINT reward_entries_referral_id_fkey REFERENCES referrals (id),
        role varchar(12) NOT NULL,
        milestone integer,
        occurrence integer NOT NULL DEFAULT 1,
        amount numeric(20,4) NOT NULL,
        unit varchar(32) NOT NULL,
        of_entry uuid CONSTRAINT reward_entries_of_entry_fkey REFERENCES reward_entries (id),
        note varchar(200),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT reward_entries_kind_check CHECK (kind IN ('grant', 'reversal', 'fulfilment')),
        CONSTRAINT reward_entries_role_check CHECK (role IN ('inviter', 'invitee', 'milestone')),
        CONSTRAINT reward_entries_shape_check CHECK (
          (kind = 'grant' AND of_entry IS NULL AND amount > 0)
          OR (kind = 'reversal' AND of_entry IS NOT NULL AND amount < 0)
          OR (kind = 'fulfilment' AND of_entry IS NOT NULL AND amount = 0)),
        CONSTRAINT reward_entries_milestone_check CHECK ((role = 'milestone') = (milestone IS NOT NULL))
      )`);
    await db.query(`
      CREATE UNIQUE INDEX reward_entries_referral_grant_key ON reward_entries (referral_id, role)
       WHERE kind = 'grant' AND role <> 'milestone'`);
    await db.query(`
      CREATE UNIQUE INDEX reward_entries_milestone_grant_key ON reward_entries (user_id, milestone, occurrence)
       WHERE kind = 'grant' AND role = 'milestone'`);
    await db.query(`CREATE UNIQUE INDEX reward_entries_of_entry_key ON reward_entries (of_entry, kind)`);
    await db.query(`CREATE INDEX reward_entries_user_idx ON reward_entries (user_id, created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX reward_entries_referral_idx ON reward_entries (referral_id)`);

    await db.query(`
      ALTER TABLE referral_counts
        ADD COLUMN pending integer NOT NULL DEFAULT 0 CONSTRAINT referral_counts_pending_check CHECK (pending >= 0),
        ADD COLUMN qualified integer NOT NULL DEFAULT 0 CONSTRAINT referral_counts_qualified_check CHECK (qualified >= 0),
        ADD COLUMN final integer NOT NULL DEFAULT 0 CONSTRAINT referral_counts_final_check CHECK (final >= 0),
        ADD COLUMN void integer NOT NULL DEFAULT 0 CONSTRAINT referral_counts_void_check CHECK (void >= 0),
        ADD COLUMN in_review integer NOT NULL DEFAULT 0 CONSTRAINT referral_counts_in_review_check CHECK (in_review >= 0)`);

    // The referrals made so far: final and clear, as they counted until now.
    await db.query(`
      INSERT INTO referrals (id, referee_id, referrer_id, referral_code, state, verdict, signals, activated_at,
                             qualified_at, qualifying_action, final_due, final_at)
      SELECT gen_random_uuid(), id, referrer_id, used_referral_code, 'final', 'clear', '{"backfilled": true}', referred_at,
             referred_at, 'signup', referred_at, referred_at
        FROM users WHERE referrer_id IS NOT NULL`);
    await db.query(`
      INSERT INTO referral_moves (referral_id, step, state, actor, at)
      SELECT id, 'final', 'final', 'migration', activated_at FROM referrals`);
    await db.query(`
      UPDATE referral_counts c SET final = f.n
        FROM (SELECT referrer_id, count(*)::integer AS n FROM referrals GROUP BY referrer_id) f
       WHERE f.referrer_id = c.user_id`);
    await db.query(`CREATE INDEX referral_counts_final_idx ON referral_counts (final DESC, user_id) WHERE final > 0`);

    for (const name of LIFECYCLE_FUNCTIONS) await db.query(functionSql(name));
    await db.query(`
      CREATE TRIGGER users_referral_open AFTER UPDATE OF referrer_id ON users
        FOR EACH ROW EXECUTE FUNCTION users_referral_open()`);
    await db.query(`
      CREATE TRIGGER referrals_count_states AFTER INSERT OR UPDATE OF state, verdict ON referrals
        FOR EACH ROW EXECUTE FUNCTION referrals_count_states()`);
    for (const table of ['referral_moves', 'reward_entries']) {
      await db.query(`
        CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
          FOR EACH ROW EXECUTE FUNCTION append_only()`);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    // Triggers, then the functions (referral_after takes a referrals row: it depends on the table), then the tables.
    await db.query(`DROP TRIGGER users_referral_open ON users`);
    await db.query(`DROP TRIGGER referrals_count_states ON referrals`);
    for (const table of ['referral_moves', 'reward_entries'])
      await db.query(`DROP TRIGGER ${table}_append_only ON ${table}`);
    for (const name of [...LIFECYCLE_FUNCTIONS].reverse()) await db.query(`DROP FUNCTION ${name}`);
    await db.query(`DROP TABLE reward_entries, referral_host_calls, referral_moves, referrals`);
    await db.query(`DROP INDEX referral_counts_final_idx`);
    await db.query(`
      ALTER TABLE referral_counts
        DROP COLUMN pending, DROP COLUMN qualified, DROP COLUMN final, DROP COLUMN void, DROP COLUMN in_review`);
    await db.query(`ALTER TABLE sessions DROP COLUMN device_id`);
  }
}
