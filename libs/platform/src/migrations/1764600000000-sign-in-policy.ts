import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RequestCodeFunction1764500000000 } from './1764500000000-request-code-function.js';

/**
 * The sign-in policy, whole, in one place: two functions that each run under
 * the phone's lock (`lock_phone`, the only place it is taken), so concurrent
 * requests for one phone take turns and the counters are exact. The API passes
 * the sizes of the limits and the crypto's verdict; the plaintext code never
 * reaches PostgreSQL.
 *
 * request_code(id, phone, hash, sealed, username, ttl, resend, per_hour, exempt)
 *   'locked'   the phone is locked out (retry_after: seconds left)
 *   'cooldown' a code was sent less than `resend` seconds ago
 *   'hourly'   `per_hour` codes were sent in the last hour
 *   'created'  otherwise: the live code is replaced by the new one
 *   Fixed-code test numbers (`exempt`) skip the cooldown and the hourly cap.
 *
 * verify_code(phone, request_id, matches, max_attempts, lock_after, lock_seconds)
 *   The API reads the phone's newest code request and checks the code against
 *   its hash (`matches`); here, under the lock:
 *   'locked'    the phone is locked out; or this failure was the `lock_after`th
 *               in a row (across codes), which locks it for `lock_seconds`
 *   'signed_in' the code matched the newest request (still that one), which is
 *               live and pending: it is used, and the run of failures ends
 *   'invalid'   anything else. A failure counts against the newest live code
 *               (burned at `max_attempts`) and the phone's run of failures,
 *               except a second submission of a code just used (a double tap).
 *   Unknown phones are counted like known ones, so the answers say nothing
 *   about which numbers have an account.
 */
export class SignInPolicy1764600000000 implements MigrationInterface {
  name = 'SignInPolicy1764600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION lock_phone(p_phone varchar) RETURNS void LANGUAGE sql AS $$
        SELECT pg_advisory_xact_lock(hashtextextended(p_phone, 0))
      $$`);

    await db.query(`
      CREATE OR REPLACE FUNCTION request_code(
        p_id uuid, p_phone varchar, p_hash bytea, p_sealed bytea, p_username varchar,
        p_ttl_seconds integer, p_resend_seconds integer, p_per_hour integer, p_exempt boolean
      ) RETURNS TABLE (outcome text, retry_after integer) LANGUAGE plpgsql AS $$
      DECLARE
        v_locked_for integer;
        v_cooldown_left integer;
        v_in_last_hour integer;
        v_hour_left integer;
      BEGIN
        PERFORM lock_phone(p_phone);

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

    await db.query(`
      CREATE FUNCTION verify_code(
        p_phone varchar, p_request_id uuid, p_matches boolean,
        p_max_attempts integer, p_lock_after integer, p_lock_seconds integer
      ) RETURNS TABLE (outcome text, retry_after integer, requested_username varchar) LANGUAGE plpgsql AS $$
      DECLARE
        v_locked_for integer;
        v_latest code_requests%ROWTYPE;
        v_live boolean;
        v_matches boolean;
        v_failures integer;
      BEGIN
        PERFORM lock_phone(p_phone);

        SELECT ceil(extract(epoch FROM locked_until - now()))::integer INTO v_locked_for
          FROM sign_in_attempts WHERE phone_number = p_phone AND locked_until > now();
        IF v_locked_for IS NOT NULL THEN
          RETURN QUERY SELECT 'locked'::text, greatest(1, v_locked_for), NULL::varchar;
          RETURN;
        END IF;

        SELECT * INTO v_latest FROM code_requests
         WHERE phone_number = p_phone ORDER BY created_at DESC LIMIT 1;
        v_live := v_latest.id IS NOT NULL AND v_latest.expires_at > now();
        -- The code was checked against the request the API read; a newer one replaced it since.
        v_matches := p_matches AND v_latest.id IS NOT DISTINCT FROM p_request_id;

        IF v_matches AND v_latest.status = 'pending' AND v_live THEN
          UPDATE code_requests SET status = 'used', code_sealed = NULL WHERE id = v_latest.id;
          DELETE FROM sign_in_attempts WHERE phone_number = p_phone;
          RETURN QUERY SELECT 'signed_in'::text, 0, v_latest.requested_username;
          RETURN;
        END IF;

        IF v_matches AND v_latest.status = 'used' THEN
          RETURN QUERY SELECT 'invalid'::text, 0, NULL::varchar;
          RETURN;
        END IF;

        IF v_latest.status = 'pending' AND v_live THEN
          UPDATE code_requests
             SET failed_attempts = failed_attempts + 1,
                 status = CASE WHEN failed_attempts + 1 >= p_max_attempts THEN 'burned' ELSE status END,
                 code_sealed = CASE WHEN failed_attempts + 1 >= p_max_attempts THEN NULL ELSE code_sealed END
           WHERE id = v_latest.id;
        END IF;

        -- A lock that has run out starts a fresh run.
        INSERT INTO sign_in_attempts (phone_number, failures_in_row, updated_at) VALUES (p_phone, 1, now())
        ON CONFLICT (phone_number) DO UPDATE
          SET failures_in_row = CASE WHEN sign_in_attempts.locked_until IS NOT NULL THEN 1
                                     ELSE sign_in_attempts.failures_in_row + 1 END,
              locked_until = NULL,
              updated_at = now()
        RETURNING failures_in_row INTO v_failures;

        IF v_failures >= p_lock_after THEN
          UPDATE sign_in_attempts SET failures_in_row = 0, locked_until = now() + make_interval(secs => p_lock_seconds)
           WHERE phone_number = p_phone;
          RETURN QUERY SELECT 'locked'::text, p_lock_seconds, NULL::varchar;
          RETURN;
        END IF;
        RETURN QUERY SELECT 'invalid'::text, 0, NULL::varchar;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION verify_code(varchar, uuid, boolean, integer, integer, integer)`);
    await db.query(
      `DROP FUNCTION request_code(uuid, varchar, bytea, bytea, varchar, integer, integer, integer, boolean)`,
    );
    await db.query(`DROP FUNCTION lock_phone(varchar)`);
    await new RequestCodeFunction1764500000000().up(db);
  }
}
