import type { MigrationInterface, QueryRunner } from 'typeorm';
import { functionSql } from '../database/functions.js';
import { PREVIOUS_REQUEST_CODE, PREVIOUS_VERIFY_CODE } from './1765100000000-accounts.previous.js';

/**
 * SPEC section 12: signing keys for asymmetric access tokens, sessions per
 * device with an absolute lifetime, phone-change codes, API keys.
 *
 * signing_keys: one row per key pair; the private key sealed with
 *   KEY_ENCRYPTION_SECRET (AES-256-GCM, the key id as associated data). A key
 *   signs from `signs_from` until a newer key's `signs_from`; it verifies (and
 *   is in the JWKS) from its creation until the access tokens it signed have
 *   expired, or until `retired_at` (a key withdrawn at once).
 * sessions: the device (User-Agent and its label), the address, the last use
 *   (sign-in or refresh) and the absolute end, after which refresh fails.
 *   Sessions from before this migration get 90 days from their start, and so
 *   do those the release before this one starts while it still serves.
 * code_requests.for_user_id: a code that moves that user to the number
 *   (POST /users/me/phone/), never a sign-in code; null for sign-in.
 *   request_code and verify_code take it as their last argument.
 * api_keys: the host backend's keys, kept as SHA-256 of their secret part.
 */
export class Accounts1765100000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE signing_keys (
        id varchar(32) PRIMARY KEY,
        algorithm varchar(8) NOT NULL CONSTRAINT signing_keys_algorithm_check CHECK (algorithm IN ('EdDSA', 'ES256')),
        public_jwk jsonb NOT NULL,
        private_key bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        signs_from timestamptz NOT NULL,
        retired_at timestamptz
      )`);
    await db.query(`CREATE INDEX signing_keys_signs_from_idx ON signing_keys (signs_from)`);

    await db.query(`
      ALTER TABLE sessions
        ADD COLUMN user_agent varchar(512),
        ADD COLUMN device varchar(120),
        ADD COLUMN ip_address varchar(45),
        ADD COLUMN last_used_at timestamptz,
        ADD COLUMN expires_at timestamptz`);
    await db.query(`UPDATE sessions SET last_used_at = created_at, expires_at = created_at + interval '90 days'`);
    // Defaults, so the release before this one, still serving while the migration runs (a rolling
    // upgrade), can sign people in: it writes neither column, and calls request_code and verify_code
    // without the new last argument (its default, NULL: a sign-in code).
    await db.query(`
      ALTER TABLE sessions
        ALTER COLUMN last_used_at SET DEFAULT now(), ALTER COLUMN last_used_at SET NOT NULL,
        ALTER COLUMN expires_at SET DEFAULT now() + interval '90 days', ALTER COLUMN expires_at SET NOT NULL`);

    await db.query(`ALTER TABLE code_requests ADD COLUMN for_user_id uuid`);
    await db.query(`DROP FUNCTION IF EXISTS request_code(uuid, varchar, bytea, bytea, varchar, integer, integer, integer, boolean,
                      boolean, integer, integer)`);
    await db.query(
      `DROP FUNCTION IF EXISTS verify_code(varchar, uuid, boolean, integer, integer, integer[], integer, integer)`,
    );
    await db.query(functionSql('request_code'));
    await db.query(functionSql('verify_code'));

    await db.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        name varchar(100) NOT NULL,
        key_id varchar(16) NOT NULL,
        secret_hash bytea NOT NULL,
        scopes text[] NOT NULL,
        created_by varchar(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await db.query(`CREATE UNIQUE INDEX api_keys_key_id_key ON api_keys (key_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION request_code(uuid, varchar, bytea, bytea, varchar, integer, integer, integer, boolean,
                      boolean, integer, integer, uuid)`);
    await db.query(
      `DROP FUNCTION verify_code(varchar, uuid, boolean, integer, integer, integer[], integer, integer, uuid)`,
    );
    await db.query(PREVIOUS_REQUEST_CODE);
    await db.query(PREVIOUS_VERIFY_CODE);
    await db.query('DROP TABLE api_keys');
    await db.query('DROP TABLE signing_keys');
    await db.query(`ALTER TABLE sessions DROP COLUMN user_agent, DROP COLUMN device, DROP COLUMN ip_address,
                      DROP COLUMN last_used_at, DROP COLUMN expires_at`);
    await db.query('ALTER TABLE code_requests DROP COLUMN for_user_id');
  }
}
