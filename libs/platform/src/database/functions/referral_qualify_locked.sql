-- referral_qualify_locked, as PostgreSQL runs it: loaded by 1765200000000-referral-lifecycle.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- Qualifies a pending referral (the caller holds its row lock): the hold period starts, and a clear referral
-- with no hold is final at once. NULL: not pending (qualified before, final or void).
CREATE OR REPLACE FUNCTION referral_qualify_locked(p_referral uuid, p_action varchar, p_actor varchar, p_policy jsonb)
RETURNS uuid[] LANGUAGE plpgsql AS $$
DECLARE
  r referrals%ROWTYPE;
  v_events uuid[] := '{}';
BEGIN
  UPDATE referrals
     SET state = 'qualified', qualified_at = clock_timestamp(), qualifying_action = p_action,
         final_due = clock_timestamp() + make_interval(secs => coalesce((p_policy ->> 'hold_seconds')::integer, 0))
   WHERE id = p_referral AND state = 'pending'
  RETURNING * INTO r;
  IF r.id IS NULL THEN
    RETURN NULL;
  END IF;
  INSERT INTO referral_moves (referral_id, step, state, actor, action) VALUES (r.id, 'qualified', 'qualified', p_actor, p_action);
  v_events := v_events || referral_event('referral.qualified', jsonb_build_object(
    'referral_id', r.id, 'referrer', jsonb_build_object('id', r.referrer_id),
    'referee', jsonb_build_object('id', r.referee_id), 'action', p_action, 'qualified_at', iso_utc(r.qualified_at),
    'final_due', iso_utc(r.final_due), 'verdict', r.verdict, 'flags', to_jsonb(r.flags), 'signals', r.signals));
  RETURN v_events || referral_finalize_locked(r.id, p_policy);
END $$;
