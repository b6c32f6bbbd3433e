import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SPEC section 14: what happened to each message after a gateway took it.
 *
 * sms_attempts: receipt_state (the latest of accepted, sent, then the first
 *   final one of delivered, undelivered, failed, expired), receipt_error (the
 *   gateway's error code), receipt_at; `fallback` marks the second route's
 *   attempt. Receipts find their attempt by the gateway's id of the message.
 * sms_receipts: every receipt as it came, with the gateway's own time.
 * code_requests: locale (the signup's, when it named one) and fallback_at (the
 *   moment a second route was claimed: once per code, whoever claims it first,
 *   a receipt or the silence sweep).
 */
export class DeliveryReceipts1765300000000 implements MigrationInterface {
  name = 'DeliveryReceipts1765300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE sms_attempts
        ADD COLUMN receipt_state varchar(12),
        ADD COLUMN receipt_error varchar(32),
        ADD COLUMN receipt_at timestamptz,
        ADD COLUMN fallback boolean NOT NULL DEFAULT false,
        ADD CONSTRAINT sms_attempts_receipt_state_check
          CHECK (receipt_state IN ('accepted', 'sent', 'delivered', 'undelivered', 'failed', 'expired'))`);
    await db.query(`
      CREATE INDEX sms_attempts_provider_idx ON sms_attempts (transport, provider_id) WHERE provider_id IS NOT NULL`);
    await db.query(`
      CREATE TABLE sms_receipts (
        id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT sms_receipts_pkey PRIMARY KEY,
        attempt_id bigint NOT NULL CONSTRAINT sms_receipts_attempt_id_fkey REFERENCES sms_attempts (id) ON DELETE CASCADE,
        state varchar(12) NOT NULL,
        error_code varchar(32),
        reported_at timestamptz,
        received_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT sms_receipts_state_check
          CHECK (state IN ('accepted', 'sent', 'delivered', 'undelivered', 'failed', 'expired'))
      )`);
    await db.query(`CREATE INDEX sms_receipts_attempt_idx ON sms_receipts (attempt_id)`);
    await db.query(`
      ALTER TABLE code_requests ADD COLUMN locale varchar(35), ADD COLUMN fallback_at timestamptz`);
    // The silence sweep's reads: codes taken by a gateway, still live, not yet handed to a second route.
    await db.query(`
      CREATE INDEX code_requests_awaiting_receipt_idx ON code_requests (delivered_at)
       WHERE status = 'pending' AND fallback_at IS NULL AND code_sealed IS NOT NULL AND delivered_at IS NOT NULL`);
    // Claimed second routes whose code is still sealed: the few the sweep checks for a lost job.
    await db.query(`
      CREATE INDEX code_requests_fallback_idx ON code_requests (fallback_at)
       WHERE fallback_at IS NOT NULL AND code_sealed IS NOT NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX code_requests_fallback_idx`);
    await db.query(`DROP INDEX code_requests_awaiting_receipt_idx`);
    await db.query(`ALTER TABLE code_requests DROP COLUMN locale, DROP COLUMN fallback_at`);
    await db.query(`DROP TABLE sms_receipts`);
    await db.query(`DROP INDEX sms_attempts_provider_idx`);
    await db.query(`
      ALTER TABLE sms_attempts DROP CONSTRAINT sms_attempts_receipt_state_check,
        DROP COLUMN receipt_state, DROP COLUMN receipt_error, DROP COLUMN receipt_at, DROP COLUMN fallback`);
  }
}
