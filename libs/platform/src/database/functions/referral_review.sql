-- referral_review, as PostgreSQL runs it: loaded by 1765200000000-referral-lifecycle.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- An admin's decision on a referral in review (verdict review, not yet void): approve makes the verdict clear
-- (final at once if qualified and past its hold), reject voids it with the reason. Outcomes: approved,
-- rejected, not_in_review and not_found (nothing changed).
CREATE OR REPLACE FUNCTION referral_review(
  p_referral uuid, p_approve boolean, p_reason varchar, p_actor varchar, p_policy jsonb
) RETURNS TABLE (outcome varchar, events uuid[], event_types varchar[]) LANGUAGE plpgsql AS $$
DECLARE
  r referrals%ROWTYPE;
  v_events uuid[] := '{}';
BEGIN
  SELECT * INTO r FROM referrals x WHERE x.id = p_referral FOR UPDATE;
  IF r.id IS NULL THEN
    RETURN QUERY SELECT 'not_found'::varchar, '{}'::uuid[], '{}'::varchar[];
    RETURN;
  END IF;
  IF r.verdict <> 'review' OR r.state NOT IN ('pending', 'qualified') THEN
    RETURN QUERY SELECT 'not_in_review'::varchar, '{}'::uuid[], '{}'::varchar[];
    RETURN;
  END IF;
  UPDATE referrals x SET verdict = CASE WHEN p_approve THEN 'clear' ELSE 'reject' END,
         reviewed_at = clock_timestamp(), reviewed_by = p_actor
   WHERE x.id = r.id;
  INSERT INTO referral_moves (referral_id, step, state, actor, reason)
  VALUES (r.id, CASE WHEN p_approve THEN 'approved' ELSE 'rejected' END, r.state, p_actor, p_reason);
  IF p_approve THEN
    v_events := referral_finalize_locked(r.id, p_policy);
  ELSE
    v_events := referral_void_locked(r.id, p_reason, p_actor, p_policy);
  END IF;
  v_events := coalesce(v_events, '{}');
  RETURN QUERY SELECT CASE WHEN p_approve THEN 'approved' ELSE 'rejected' END::varchar, v_events, referral_event_types(v_events);
END $$;
