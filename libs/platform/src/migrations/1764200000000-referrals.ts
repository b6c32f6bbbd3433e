import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Referrals, with the rules held by PostgreSQL itself:
 * - a user's inviter is set at most once and never changed (trigger),
 * - nobody invites themselves (check constraint),
 * - no circles at any depth: the trigger walks the inviter's chain, taking a
 *   share lock on each row, so two activations that would close a circle
 *   together wait on each other and one of them is aborted (deadlock) instead
 *   of both committing,
 * - each user's count of referrals is kept by trigger, so a profile reads one
 *   number instead of counting.
 */
export class Referrals1764200000000 implements MigrationInterface {
  name = 'Referrals1764200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE users
        ADD COLUMN referrer_id uuid REFERENCES users (id),
        ADD COLUMN used_referral_code char(6),
        ADD COLUMN referred_at timestamptz,
        ADD CONSTRAINT users_no_self_referral CHECK (referrer_id <> id),
        ADD CONSTRAINT users_referral_complete CHECK (
          (referrer_id IS NULL) = (used_referral_code IS NULL) AND (referrer_id IS NULL) = (referred_at IS NULL)
        )`);
    // The referrals list, newest first, pages by (referred_at, id) at the same cost at any depth.
    await db.query(`
      CREATE INDEX users_referrals_idx ON users (referrer_id, referred_at DESC, id DESC)
        WHERE referrer_id IS NOT NULL AND deleted_at IS NULL`);
    // The admin's users list pages by (created_at, id).
    await db.query(`CREATE INDEX users_created_idx ON users (created_at DESC, id DESC) WHERE deleted_at IS NULL`);

    await db.query(`
      CREATE TABLE referral_counts (
        user_id uuid PRIMARY KEY REFERENCES users (id),
        referrals integer NOT NULL DEFAULT 0 CHECK (referrals >= 0)
      )`);

    await db.query(`
      CREATE FUNCTION users_referral_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        ancestor uuid;
      BEGIN
        IF NEW.referrer_id IS NOT DISTINCT FROM OLD.referrer_id THEN
          RETURN NEW;
        END IF;
        IF OLD.referrer_id IS NOT NULL THEN
          RAISE EXCEPTION 'user % already activated an invite code', OLD.id USING ERRCODE = 'RF409';
        END IF;
        IF NEW.referrer_id = NEW.id THEN
          RETURN NEW; -- users_no_self_referral refuses it
        END IF;
        ancestor := NEW.referrer_id;
        WHILE ancestor IS NOT NULL LOOP
          IF ancestor = NEW.id THEN
            RAISE EXCEPTION 'activating this code would close a circle of invitations' USING ERRCODE = 'RF422';
          END IF;
          SELECT referrer_id INTO ancestor FROM users WHERE id = ancestor FOR SHARE;
        END LOOP;
        RETURN NEW;
      END $$`);
    await db.query(`
      CREATE TRIGGER users_referral_guard BEFORE UPDATE OF referrer_id ON users
        FOR EACH ROW EXECUTE FUNCTION users_referral_guard()`);
    await db.query(`
      CREATE FUNCTION users_referral_count() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.referrer_id IS NULL AND NEW.referrer_id IS NOT NULL AND NEW.deleted_at IS NULL THEN
          INSERT INTO referral_counts (user_id, referrals) VALUES (NEW.referrer_id, 1)
            ON CONFLICT (user_id) DO UPDATE SET referrals = referral_counts.referrals + 1;
        ELSIF OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL AND OLD.referrer_id IS NOT NULL THEN
          UPDATE referral_counts SET referrals = referrals - 1 WHERE user_id = OLD.referrer_id;
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER users_referral_count AFTER UPDATE OF referrer_id, deleted_at ON users
        FOR EACH ROW EXECUTE FUNCTION users_referral_count()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER users_referral_count ON users`);
    await db.query(`DROP FUNCTION users_referral_count()`);
    await db.query(`DROP TRIGGER users_referral_guard ON users`);
    await db.query(`DROP FUNCTION users_referral_guard()`);
    await db.query(`DROP TABLE referral_counts`);
    await db.query(`DROP INDEX users_created_idx`);
    await db.query(`DROP INDEX users_referrals_idx`);
    await db.query(`
      ALTER TABLE users
        DROP CONSTRAINT users_referral_complete,
        DROP CONSTRAINT users_no_self_referral,
        DROP COLUMN referred_at,
        DROP COLUMN used_referral_code,
        DROP COLUMN referrer_id`);
  }
}
