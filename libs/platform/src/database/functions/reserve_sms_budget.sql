-- reserve_sms_budget, as PostgreSQL runs it: loaded by the migrations from this file (before 1765000000000, 1764700000000-sms-gateways-and-budgets.ts held it inline; 1765500000000-sms-budget-counts.ts loads this version).
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- The window's count of each budget is one row (sms_budget_counts, kept by sms_budget_count) once the hits that
-- left the window are gone: a reservation costs the same with ten hits in the hour as with a million.
CREATE OR REPLACE FUNCTION reserve_sms_budget(p_keys varchar[], p_limits integer[], p_request uuid, p_window_seconds integer)
  RETURNS TABLE (tripped varchar, retry_after_ms integer) LANGUAGE plpgsql AS $$
DECLARE
  v_since timestamptz := now() - make_interval(secs => p_window_seconds);
  v_count integer;
  v_oldest timestamptz;
BEGIN
  PERFORM lock_sms_budgets(p_keys);
  DELETE FROM sms_budget_hits WHERE key = ANY (p_keys) AND at <= v_since;
  FOR i IN 1 .. array_length(p_keys, 1) LOOP
    SELECT hits INTO v_count FROM sms_budget_counts WHERE key = p_keys[i];
    IF coalesce(v_count, 0) >= p_limits[i] THEN
      SELECT min(at) INTO v_oldest FROM sms_budget_hits WHERE key = p_keys[i];
      RETURN QUERY SELECT p_keys[i],
        greatest(1, ceil(extract(epoch FROM v_oldest + make_interval(secs => p_window_seconds) - now()) * 1000))::integer;
      RETURN;
    END IF;
  END LOOP;
  INSERT INTO sms_budget_hits (key, code_request_id) SELECT unnest(p_keys), p_request;
  RETURN QUERY SELECT NULL::varchar, 0;
END $$;
