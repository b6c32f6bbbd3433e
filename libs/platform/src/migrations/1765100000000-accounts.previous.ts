/**
 * request_code and verify_code as they were before 1765100000000 (without the
 * phone-change argument): what its `down` puts back.
 */
export const PREVIOUS_REQUEST_CODE = `
CREATE OR REPLACE FUNCTION request_code(
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
END $$;
`;

export const PREVIOUS_VERIFY_CODE = `
CREATE OR REPLACE FUNCTION verify_code(
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
END $$;
`;
