import type { MigrationInterface, QueryRunner } from 'typeorm';
import { SignInPolicy1764600000000 } from './1764600000000-sign-in-policy.js';

/**
 * SPEC section 11, the sign-in policy's second version (still whole in the two
 * functions, under the phone's lock), and the memory of referred phones.
 *
 * request_code(…, username_taken): as before, and then, once the phone's gates
 *   let the request through, a taken username answers 'username_taken' and is
 *   recorded as a 'refused' request: it counts toward the cooldown and the
 *   hourly cap like a code (so names cannot be probed faster than codes can be
 *   asked for) but sends nothing and leaves the live code alone. A phone at its
 *   rolling ceiling of wrong codes is 'locked' too.
 *
 * verify_code(phone, request_id, matches, max_attempts, lock_after, lock_steps,
 *             window_limit, window_seconds)
 *   'locked'    the phone is locked; or it has had `window_limit` wrong codes in
 *               the last `window_seconds` (a success does not reset these); or
 *               this failure was the `lock_after`th in a row, which locks it for
 *               the next of `lock_steps` (seconds): the first lock takes the first
 *               step, each lock within a day of the last one ended the next.
 *   'signed_in' as before; the run of failures ends, the escalation and the
 *               rolling window stay.
 *   'invalid'   anything else. Only a wrong code for the phone's live code counts
 *               (burns it at `max_attempts`, adds to the run and the window): a
 *               guess at a number with no live code is nobody's lock.
 */
export class Defences1764900000000 implements MigrationInterface {
  name = 'Defences1764900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE code_requests DROP CONSTRAINT code_requests_status_check`);
    await db.query(`
      ALTER TABLE code_requests ADD CONSTRAINT code_requests_status_check
        CHECK (status IN ('pending', 'used', 'burned', 'replaced', 'refused'))`);
    await db.query(`
      ALTER TABLE sign_in_attempts
        ADD COLUMN lock_level smallint NOT NULL DEFAULT 0,
        ADD COLUMN last_lock_ends timestamptz`);
    // One row per wrong code for a live code; the worker's retention sweep erases them after a day.
    await db.query(`
      CREATE TABLE sign_in_failures (
        phone_number varchar(16) NOT NULL,
        failed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT sign_in_failures_pkey PRIMARY KEY (phone_number, failed_at)
      )`);
    await db.query(`CREATE INDEX sign_in_failures_failed_at_idx ON sign_in_failures (failed_at)`);
    // A keyed hash of every phone number that was ever counted as someone's referral: it outlives the
    // account. Written at activation, and at deletion for referrals older than this table.
    await db.query(`
      CREATE TABLE referred_phones (
        phone_hash bytea PRIMARY KEY,
        first_referred_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Renames of a user in the last hour (PATCH /users/{username}/): at most a few.
    await db.query(`
      CREATE TABLE username_changes (
        user_id uuid NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT username_changes_pkey PRIMARY KEY (user_id, changed_at)
      )`);
    await db.query(`CREATE INDEX username_changes_changed_at_idx ON username_changes (changed_at)`);
    await db.query(`
      DROP FUNCTION request_code(uuid, varchar, bytea, bytea, varchar, integer, integer, integer, boolean)`);
    await db.query(`DROP FUNCTION verify_code(varchar, uuid, boolean, integer, integer, integer)`);

    await db.query(`
      CREATE FUNCTION window_lock(p_phone varchar, p_window_limit integer, p_window_seconds integer)
      RETURNS integer LANGUAGE sql STABLE AS $$
        SELECT CASE WHEN count(*) >= p_window_limit
                    THEN greatest(1, ceil(extract(epoch FROM min(failed_at) + make_interval(secs => p_window_seconds) - now())))::integer
               END
          FROM (SELECT failed_at FROM sign_in_failures
                 WHERE phone_number = p_phone AND failed_at > now() - make_interval(secs => p_window_seconds)
                 ORDER BY failed_at DESC LIMIT p_window_limit) AS recent
      $$`);

    // Seconds the phone is locked for (its lock, or the rolling ceiling), or NULL: what both functions ask first.
    await db.query(`
      CREATE FUNCTION locked_for(p_phone varchar, p_window_limit integer, p_window_seconds integer)
      RETURNS integer LANGUAGE sql STABLE AS $$
        SELECT coalesce(
          (SELECT greatest(1, ceil(extract(epoch FROM locked_until - now())))::integer
             FROM sign_in_attempts WHERE phone_number = p_phone AND locked_until > now()),
          window_lock(p_phone, p_window_limit, p_window_seconds))
      $$`);

    await db.query(`
      CREATE FUNCTION request_code(
        p_id uuid, p_phone varchar, p_hash bytea, p_sealed bytea, p_username varchar,
        p_ttl_seconds integer, p_resend_seconds integer, p_per_hour integer, p_exempt boolean,
        p_username_taken boolean, p_window_limit integer, p_window_seconds integer
      ) RETURNS TABLE (outcome text, retry_after integer) LANGUAGE plpgsql AS $$
      DECLARE
        v_locked_for integer;
        v_cooldown_left integer;
        v_in_last_hour integer;
        v_hour_left integer;
      BEGIN
        PERFORM lock_phone(p_phone);

        v_locked_for := locked_for(p_phone, p_window_limit, p_window_seconds);
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

        IF p_username_taken THEN
          INSERT INTO code_requests (id, phone_number, code_hash, status, requested_username, expires_at)
          VALUES (p_id, p_phone, p_hash, 'refused', p_username, now());
          RETURN QUERY SELECT 'username_taken'::text, 0;
          RETURN;
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
        p_max_attempts integer, p_lock_after integer, p_lock_steps integer[],
        p_window_limit integer, p_window_seconds integer
      ) RETURNS TABLE (outcome text, retry_after integer, requested_username varchar) LANGUAGE plpgsql AS $$
      DECLARE
        v_locked_for integer;
        v_latest code_requests%ROWTYPE;
        v_matches boolean;
        v_attempts sign_in_attempts%ROWTYPE;
        v_level integer;
        v_seconds integer;
      BEGIN
        PERFORM lock_phone(p_phone);

        v_locked_for := locked_for(p_phone, p_window_limit, p_window_seconds);
        IF v_locked_for IS NOT NULL THEN
          RETURN QUERY SELECT 'locked'::text, v_locked_for, NULL::varchar;
          RETURN;
        END IF;

        SELECT * INTO v_latest FROM code_requests
         WHERE phone_number = p_phone AND status <> 'refused' ORDER BY created_at DESC LIMIT 1;
        -- The code was checked against the request the API read; a newer one replaced it since.
        v_matches := p_matches AND v_latest.id IS NOT DISTINCT FROM p_request_id;

        -- No live code: nothing to guess at, and nobody's lock.
        IF v_latest.id IS NULL OR v_latest.status <> 'pending' OR v_latest.expires_at <= now() THEN
          RETURN QUERY SELECT 'invalid'::text, 0, NULL::varchar;
          RETURN;
        END IF;

        IF v_matches THEN
          UPDATE code_requests SET status = 'used', code_sealed = NULL WHERE id = v_latest.id;
          UPDATE sign_in_attempts SET failures_in_row = 0, updated_at = now() WHERE phone_number = p_phone;
          RETURN QUERY SELECT 'signed_in'::text, 0, v_latest.requested_username;
          RETURN;
        END IF;

        UPDATE code_requests
           SET failed_attempts = failed_attempts + 1,
               status = CASE WHEN failed_attempts + 1 >= p_max_attempts THEN 'burned' ELSE status END,
               code_sealed = CASE WHEN failed_attempts + 1 >= p_max_attempts THEN NULL ELSE code_sealed END
         WHERE id = v_latest.id;
        INSERT INTO sign_in_failures (phone_number) VALUES (p_phone);

        -- A lock that has run out starts a fresh run.
        INSERT INTO sign_in_attempts (phone_number, failures_in_row, updated_at) VALUES (p_phone, 1, now())
        ON CONFLICT (phone_number) DO UPDATE
          SET failures_in_row = CASE WHEN sign_in_attempts.locked_until IS NOT NULL THEN 1
                                     ELSE sign_in_attempts.failures_in_row + 1 END,
              locked_until = NULL,
              updated_at = now()
        RETURNING * INTO v_attempts;

        IF v_attempts.failures_in_row >= p_lock_after THEN
          -- Escalate when the last lock ended less than a day ago; start again after a quiet day.
          v_level := CASE WHEN v_attempts.last_lock_ends > now() - interval '1 day'
                          THEN least(v_attempts.lock_level + 1, array_length(p_lock_steps, 1))
                          ELSE 1 END;
          v_seconds := p_lock_steps[v_level];
          UPDATE sign_in_attempts
             SET failures_in_row = 0, lock_level = v_level,
                 locked_until = now() + make_interval(secs => v_seconds),
                 last_lock_ends = now() + make_interval(secs => v_seconds)
           WHERE phone_number = p_phone;
          RETURN QUERY SELECT 'locked'::text, v_seconds, NULL::varchar;
          RETURN;
        END IF;

        v_locked_for := window_lock(p_phone, p_window_limit, p_window_seconds);
        IF v_locked_for IS NOT NULL THEN
          RETURN QUERY SELECT 'locked'::text, v_locked_for, NULL::varchar;
          RETURN;
        END IF;
        RETURN QUERY SELECT 'invalid'::text, 0, NULL::varchar;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION verify_code(varchar, uuid, boolean, integer, integer, integer[], integer, integer)`);
    await db.query(
      `DROP FUNCTION request_code(uuid, varchar, bytea, bytea, varchar, integer, integer, integer, boolean, boolean, integer, integer)`,
    );
    await db.query(`DROP FUNCTION locked_for(varchar, integer, integer)`);
    await db.query(`DROP FUNCTION window_lock(varchar, integer, integer)`);
    await db.query(`DROP TABLE username_changes`);
    await db.query(`DROP TABLE referred_phones`);
    await db.query(`DROP TABLE sign_in_failures`);
    await db.query(`ALTER TABLE sign_in_attempts DROP COLUMN lock_level, DROP COLUMN last_lock_ends`);
    await db.query(`DELETE FROM code_requests WHERE status = 'refused'`);
    await db.query(`ALTER TABLE code_requests DROP CONSTRAINT code_requests_status_check`);
    await db.query(`
      ALTER TABLE code_requests ADD CONSTRAINT code_requests_status_check
        CHECK (status IN ('pending', 'used', 'burned', 'replaced'))`);
    // The first version of both functions (and lock_phone, which that migration makes).
    await db.query(`DROP FUNCTION lock_phone(varchar)`);
    await new SignInPolicy1764600000000().up(db);
  }
}
