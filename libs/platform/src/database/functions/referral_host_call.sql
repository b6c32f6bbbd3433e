-- referral_host_call, as PostgreSQL runs it: loaded by 1765200000000-referral-lifecycle.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- What the host's backend asks of a referral (qualify it, void it), idempotent on the host's own event id:
-- the first call with an id decides, and any later one with the same id gets the same outcome and changes
-- nothing (event_reused when the id was first used for another call or another referral). Outcomes:
--   qualify: qualified (now), already (qualified or final before), void (void: nothing changed)
--   void:    voided (now), already (void before)
CREATE OR REPLACE FUNCTION referral_host_call(
  p_call varchar, p_referral uuid, p_event varchar, p_text varchar, p_actor varchar, p_policy jsonb
) RETURNS TABLE (outcome varchar, events uuid[], event_types varchar[]) LANGUAGE plpgsql AS $$
DECLARE
  v_seen referral_host_calls%ROWTYPE;
  v_state varchar;
  v_outcome varchar;
  v_events uuid[] := '{}';
BEGIN
  -- The event id's lock, then the referral's row lock: two calls with one event id take turns whatever their
  -- referral (the second finds the first's answer), and two calls for one referral take turns whatever their ids.
  PERFORM pg_advisory_xact_lock(hashtextextended('referral_host_call:' || p_event, 0));
  SELECT state INTO v_state FROM referrals WHERE id = p_referral FOR UPDATE;
  SELECT * INTO v_seen FROM referral_host_calls WHERE event_id = p_event;
  IF v_seen.event_id IS NOT NULL THEN
    RETURN QUERY SELECT CASE WHEN v_seen.call = p_call AND v_seen.referral_id = p_referral
                             THEN v_seen.outcome ELSE 'event_reused' END::varchar, '{}'::uuid[], '{}'::varchar[];
    RETURN;
  END IF;
  IF p_call = 'qualify' THEN
    IF v_state = 'void' THEN
      v_outcome := 'void';
    ELSE
      v_events := referral_qualify_locked(p_referral, p_text, p_actor, p_policy);
      v_outcome := CASE WHEN v_events IS NULL THEN 'already' ELSE 'qualified' END;
    END IF;
  ELSE
    v_events := referral_void_locked(p_referral, p_text, p_actor, p_policy);
    v_outcome := CASE WHEN v_events IS NULL THEN 'already' ELSE 'voided' END;
  END IF;
  INSERT INTO referral_host_calls (event_id, call, referral_id, outcome) VALUES (p_event, p_call, p_referral, v_outcome);
  v_events := coalesce(v_events, '{}');
  RETURN QUERY SELECT v_outcome, v_events, referral_event_types(v_events);
END $$;
