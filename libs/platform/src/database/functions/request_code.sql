-- request_code, as PostgreSQL runs it: loaded by the migrations from this file (before 1765000000000, 1764900000000-defences.ts held it inline).
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- p_for_user (1765100000000): the user a phone-change code moves to the number; null for a sign-in code.
CREATE OR REPLACE FUNCTION request_code(
  p_id uuid, p_phone varchar, p_hash bytea, p_sealed bytea, p_username varchar,
  p_ttl_seconds integer, p_resend_seconds integer, p_per_hour integer, p_exempt boolean,
  p_username_taken boolean, p_window_limit integer, p_window_seconds integer, p_for_user uuid DEFAULT NULL
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
  INSERT INTO code_requests (id, phone_number, code_hash, code_sealed, requested_username, expires_at, for_user_id)
  VALUES (p_id, p_phone, p_hash, p_sealed, p_username, now() + make_interval(secs => p_ttl_seconds), p_for_user);
  RETURN QUERY SELECT 'created'::text, 0;
END $$;
