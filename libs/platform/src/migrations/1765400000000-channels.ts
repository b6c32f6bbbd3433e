import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SPEC section 15: channels besides SMS.
 *
 * code_requests.channel: the sign-up's preferred channel (sms, whatsapp,
 *   telegram), when it named one; its transports are tried first.
 * sms_attempts.provider_id: 128 characters, for WhatsApp's message ids
 *   (wamid.…, often over 64).
 * sms_attempts.revoked_at: when a Telegram Gateway message of a code that can no
 *   longer be used (burned, replaced) was revoked; the worker's sweep reads the
 *   few not revoked yet through a partial index.
 */
export class Channels1765400000000 implements MigrationInterface {
  name = 'Channels1765400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE code_requests
        ADD COLUMN channel varchar(8),
        ADD CONSTRAINT code_requests_channel_check CHECK (channel IN ('sms', 'whatsapp', 'telegram'))`);
    await db.query(`
      ALTER TABLE sms_attempts
        ALTER COLUMN provider_id TYPE varchar(128),
        ADD COLUMN revoked_at timestamptz`);
    await db.query(`
      CREATE INDEX sms_attempts_revocable_idx ON sms_attempts (started_at)
       WHERE transport = 'telegram' AND provider_id IS NOT NULL AND revoked_at IS NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX sms_attempts_revocable_idx`);
    await db.query(`ALTER TABLE sms_attempts DROP COLUMN revoked_at, ALTER COLUMN provider_id TYPE varchar(64)`);
    await db.query(`ALTER TABLE code_requests DROP CONSTRAINT code_requests_channel_check, DROP COLUMN channel`);
  }
}
