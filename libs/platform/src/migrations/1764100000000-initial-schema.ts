import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764100000000 implements MigrationInterface {
  name = 'InitialSchema1764100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        phone_number varchar(16),
        username varchar(25),
        referral_code char(6) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT users_live_has_identity CHECK (
          deleted_at IS NOT NULL OR (phone_number IS NOT NULL AND username IS NOT NULL)
        )
      )`);
    // Invite codes are unique over every row ever, deleted users included: never reused.
    await db.query(`CREATE UNIQUE INDEX users_referral_code_key ON users (referral_code)`);
    await db.query(`CREATE UNIQUE INDEX users_phone_number_key ON users (phone_number) WHERE deleted_at IS NULL`);
    await db.query(`CREATE UNIQUE INDEX users_username_key ON users (lower(username)) WHERE deleted_at IS NULL`);

    await db.query(`
      CREATE TABLE code_requests (
        id uuid PRIMARY KEY,
        phone_number varchar(16) NOT NULL,
        code_hash bytea NOT NULL,
        code_sealed bytea,
        requested_username varchar(25),
        status varchar(8) NOT NULL DEFAULT 'pending'
          CONSTRAINT code_requests_status_check CHECK (status IN ('pending', 'used', 'burned', 'replaced')),
        failed_attempts smallint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        delivered_at timestamptz
      )`);
    // At most one live code per phone: a new code replaces the old one.
    await db.query(
      `CREATE UNIQUE INDEX code_requests_one_pending_key ON code_requests (phone_number) WHERE status = 'pending'`,
    );
    await db.query(`CREATE INDEX code_requests_phone_created_idx ON code_requests (phone_number, created_at DESC)`);
    await db.query(
      `CREATE INDEX code_requests_undelivered_idx ON code_requests (created_at)
         WHERE status = 'pending' AND delivered_at IS NULL`,
    );
    await db.query(`CREATE INDEX code_requests_created_idx ON code_requests (created_at)`);

    await db.query(`
      CREATE TABLE sign_in_attempts (
        phone_number varchar(16) PRIMARY KEY,
        failures_in_row integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    // A session starts at sign-in; access tokens name it (`sid`), so logging out or a
    // detected refresh-token reuse ends the access tokens too, not only the refresh tokens.
    await db.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await db.query(`CREATE INDEX sessions_user_idx ON sessions (user_id)`);

    await db.query(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        token_hash bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        rotated_at timestamptz
      )`);
    await db.query(`CREATE UNIQUE INDEX refresh_tokens_token_hash_key ON refresh_tokens (token_hash)`);
    await db.query(`CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id)`);

    await db.query(`
      CREATE TABLE sms_messages (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code_request_id uuid REFERENCES code_requests (id) ON DELETE SET NULL,
        to_phone varchar(16) NOT NULL,
        text varchar(320) NOT NULL,
        sent_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The database, not the worker, guarantees one message per code request.
    await db.query(`CREATE UNIQUE INDEX sms_messages_code_request_key ON sms_messages (code_request_id)`);
    await db.query(`CREATE INDEX sms_messages_to_sent_idx ON sms_messages (to_phone, sent_at DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE sms_messages`);
    await db.query(`DROP TABLE refresh_tokens`);
    await db.query(`DROP TABLE sessions`);
    await db.query(`DROP TABLE sign_in_attempts`);
    await db.query(`DROP TABLE code_requests`);
    await db.query(`DROP TABLE users`);
  }
}
