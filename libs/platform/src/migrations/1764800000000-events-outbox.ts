import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events for the host app, through a transactional outbox.
 *
 * events: one row per event, written by the repository that makes the change,
 * in the change's transaction: no event without its change, no change without
 * its event. `body` is the JSON sent, byte for byte, on every attempt. The
 * admin's list pages by keyset on (created_at, id), newest first, per status.
 * event_attempts: every delivery attempt, for the admin API.
 * events_endpoint: the one receiving endpoint's state; a 410 disables it.
 *
 * The leaderboard reads referral_counts (one row per referrer), never the
 * referrals, and has no index of its own on purpose: one on `referrals` would
 * make every activation's count update a non-HOT update (a new entry in every
 * index of the table), and 10,000 activations of one code in a transaction
 * quadratic (measured on PostgreSQL 15 here: 12.5 s with such an index,
 * 1.5 s without it).
 */
export class EventsOutbox1764800000000 implements MigrationInterface {
  name = 'EventsOutbox1764800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE events (
        id uuid PRIMARY KEY,
        type varchar(32) NOT NULL,
        body text NOT NULL,
        status varchar(12) NOT NULL DEFAULT 'pending'
          CONSTRAINT events_status_check CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz
      )`);
    await db.query(`CREATE INDEX events_status_created_idx ON events (status, created_at DESC, id DESC)`);
    await db.query(`
      CREATE TABLE event_attempts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
        at timestamptz NOT NULL DEFAULT now(),
        status integer,
        error varchar(300),
        duration_ms integer NOT NULL
      )`);
    await db.query(`CREATE INDEX event_attempts_event_idx ON event_attempts (event_id, id)`);
    await db.query(`
      CREATE TABLE events_endpoint (
        id smallint PRIMARY KEY DEFAULT 1 CONSTRAINT events_endpoint_one_row CHECK (id = 1),
        disabled_at timestamptz,
        disabled_reason varchar(300)
      )`);
    await db.query(`INSERT INTO events_endpoint DEFAULT VALUES`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE events_endpoint`);
    await db.query(`DROP TABLE event_attempts`);
    await db.query(`DROP TABLE events`);
  }
}
