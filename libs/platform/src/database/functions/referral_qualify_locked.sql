-- referral_qualify_locked, as PostgreSQL runs it: loaded by 1765200000000-referral-lifecycle.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- Qualifies a pending referral (the caller holds its row lock): the hold period starts; a clear referral with
-- no hold is final in the same UPDATE (one new row version, not two). NULL: not pending (qualified before,
-- final or void).
CREATE OR REPLACE FUNCTION referral_qualify_locked(p_referral uuid, p_action varchar, p_actor varchar, p_policy jsonb)
RETURNS uuid[] LANGUAGE plpgsql AS $$
DECLARE
  r referrals%ROWTYPE;
  v_now timestamptz := clock_timestamp();
  v_hold integer := coalesce((p_policy ->> 'hold_seconds')::integer, 0);
  v_events uuid[];
BEGIN
  UPDATE referrals
     SET state = CASE WHEN verdict = 'clear' AND v_hold <= 0 THEN 'final' ELSE 'qualified' END,
         qualified_at = v_now, qualifying_action = p_action, final_due = v_now + make_interval(secs => v_hold),
         final_at = CASE WHEN verdict = 'clear' AND v_hold <= 0 THEN v_now END
   WHERE id = p_referral AND state = 'pending'
  RETURNING * INTO r;
  IF r.id IS NULL THEN
    RETURN NULL;
  END IF;
  v_events := referral_after(r, 'qualified', p_actor, NULL, 'pending', p_policy);
  IF r.state = 'final' THEN
    v_events := v_events || referral_after(r, 'final', 'system', NULL, 'qualified', p_policy);
  END IF;
  RETURN v_events;
END $$;
