import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Asking for a code in one round trip. Under a lock on the phone: refuse while
 * sign-in is locked, refuse within the cooldown or past the hourly cap (unless
 * exempt: fixed-code test numbers), otherwise replace the live code with the new
 * one. The limits' sizes are parameters; the API passes its settings.
 *
 * Answers (outcome, retry_after): 'created', 'locked', 'cooldown' or 'hourly'.
 */
export class RequestCodeFunction1764500000000 implements MigrationInterface {
  name = 'RequestCodeFunction1764500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION request_code(
        p_id uuid, p_phone varchar, p_hash bytea, p_sealed bytea, p_username varchar,
        p_ttl_seconds integer, p_resend_seconds integer, p_per_hour integer, p_exempt boolean
      ) RETURNS TABLE (outcome text, retry_after integer) LANGUAGE plpgsql AS $$
      DECLARE
        v_locked_for integer;
        v_cooldown_left integer;
        v_in_last_hour integer;
        v_hour_left integer;
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtextextended(p_phone, 0));

        SELECT ceil(extract(epoch FROM locked_until - now()))::integer INTO v_locked_for
          FROM sign_in_attempts WHERE phone_number = p_phone AND locked_until > now();
        IF v_locked_for IS NOT NULL THEN
          RETURN QUERY SELECT 'locked'::text, v_locked_for;
          RETURN;
        END IF;

        IF NOT p_exempt THEN
          SELECT ceil(extract(epoch FROM max(created_at) + make_interval(secs => p_resend_seconds) - now()))::integer,
                 count(*)::integer,
                 ceil(extract(epoch FROM min(created_at) + interval '1 hour' - now()))::integer
            INTO v_cooldown_left, v_in_last_hour, v_hour_left
            FROM code_requests WHERE phone_number = p_phone AND created_at > now() - interval '1 hour';
          IF v_cooldown_left > 0 THEN
            RETURN QUERY SELECT 'cooldown'::text, v_cooldown_left;
            RETURN;
          END IF;
          IF v_in_last_hour >= p_per_hour THEN
            RETURN QUERY SELECT 'hourly'::text, greatest(1, v_hour_left);
            RETURN;
          END IF;
        END IF;

        -- A new code replaces the old one; its sealed copy goes with it.
        UPDATE code_requests SET status = 'replaced', code_sealed = NULL
         WHERE phone_number = p_phone AND status = 'pending';
        INSERT INTO code_requests (id, phone_number, code_hash, code_sealed, requested_username, expires_at)
        VALUES (p_id, p_phone, p_hash, p_sealed, p_username, now() + make_interval(secs => p_ttl_seconds));
        RETURN QUERY SELECT 'created'::text, 0;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `DROP FUNCTION request_code(uuid, varchar, bytea, bytea, varchar, integer, integer, integer, boolean)`,
    );
  }
}
