import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The referrals index carries the listed columns, so the newest referrals (the
 * profile) and every page of them are read from the index alone, and PostgreSQL
 * picks that plan even for a prepared statement that cannot know whether the
 * user has three referrals or twenty thousand.
 */
export class CoveringReferralsIndex1764400000000 implements MigrationInterface {
  name = 'CoveringReferralsIndex1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE INDEX users_referrals_covering_idx ON users (referrer_id, referred_at DESC, id DESC)
        INCLUDE (phone_number, username)
        WHERE referrer_id IS NOT NULL AND deleted_at IS NULL`);
    await db.query(`DROP INDEX users_referrals_idx`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE INDEX users_referrals_idx ON users (referrer_id, referred_at DESC, id DESC)
        WHERE referrer_id IS NOT NULL AND deleted_at IS NULL`);
    await db.query(`DROP INDEX users_referrals_covering_idx`);
  }
}
