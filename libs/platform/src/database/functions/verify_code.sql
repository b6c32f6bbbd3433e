-- verify_code, as PostgreSQL runs it: loaded by the migrations from this file (before 1765000000000, 1764900000000-defences.ts held it inline).
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- p_for_user (1765100000000): the user confirming a phone change, null for a sign-in; a code made for another purpose is a wrong code.
CREATE OR REPLACE FUNCTION verify_code(
  p_phone varchar, p_request_id uuid, p_matches boolean,
  p_max_attempts integer, p_lock_after integer, p_lock_steps integer[],
  p_window_limit integer, p_window_seconds integer, p_for_user uuid DEFAULT NULL
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
  -- The code was checked against the request the API read; a newer one replaced it since. A phone-change
  -- code opens no sign-in, a sign-in code moves no account, and one user's phone-change code no other's.
  v_matches := p_matches AND v_latest.id IS NOT DISTINCT FROM p_request_id
               AND v_latest.for_user_id IS NOT DISTINCT FROM p_for_user;

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
