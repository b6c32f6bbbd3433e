/**
 * reserve_sms_budget as it was before 1765500000000 (a count of the window's
 * hits on every reservation): what its `down` puts back.
 */
export const PREVIOUS_RESERVE_SMS_BUDGET = `
CREATE OR REPLACE FUNCTION reserve_sms_budget(p_keys varchar[], p_limits integer[], p_request uuid, p_window_seconds integer)
  RETURNS TABLE (tripped varchar, retry_after_ms integer) LANGUAGE plpgsql AS $$
DECLARE
  v_key varchar;
  v_count integer;
  v_oldest timestamptz;
BEGIN
  FOR i IN 1 .. array_length(p_keys, 1) LOOP
    PERFORM pg_advisory_xact_lock(hashtextextended('sms-budget:' || p_keys[i], 0));
  END LOOP;
  FOR i IN 1 .. array_length(p_keys, 1) LOOP
    v_key := p_keys[i];
    SELECT count(*)::integer, min(at) INTO v_count, v_oldest
      FROM sms_budget_hits WHERE key = v_key AND at > now() - make_interval(secs => p_window_seconds);
    IF v_count >= p_limits[i] THEN
      RETURN QUERY SELECT v_key,
        greatest(1, ceil(extract(epoch FROM v_oldest + make_interval(secs => p_window_seconds) - now()) * 1000))::integer;
      RETURN;
    END IF;
  END LOOP;
  INSERT INTO sms_budget_hits (key, code_request_id) SELECT unnest(p_keys), p_request;
  RETURN QUERY SELECT NULL::varchar, 0;
END $$
`;
