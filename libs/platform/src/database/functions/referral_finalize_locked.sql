-- referral_finalize_locked, as PostgreSQL runs it: loaded by 1765200000000-referral-lifecycle.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- Makes a qualified, clear referral whose hold has passed final, and grants what the rules give: the inviter's
-- and the invitee's rewards, then any milestone. The caller holds the referral's row lock and has checked
-- nothing: a referral not ready stays as it is (an empty answer).
CREATE OR REPLACE FUNCTION referral_finalize_locked(p_referral uuid, p_policy jsonb) RETURNS uuid[]
LANGUAGE plpgsql AS $$
DECLARE
  r referrals%ROWTYPE;
  v_events uuid[] := '{}';
BEGIN
  UPDATE referrals SET state = 'final', final_at = clock_timestamp()
   WHERE id = p_referral AND state = 'qualified' AND verdict = 'clear' AND final_due <= clock_timestamp()
  RETURNING * INTO r;
  IF r.id IS NULL THEN
    RETURN v_events;
  END IF;
  INSERT INTO referral_moves (referral_id, step, state, actor) VALUES (r.id, 'final', 'final', 'system');
  v_events := v_events || referral_event('referral.finalized', jsonb_build_object(
    'referral_id', r.id, 'referrer', jsonb_build_object('id', r.referrer_id),
    'referee', jsonb_build_object('id', r.referee_id), 'final_at', iso_utc(r.final_at)));
  v_events := v_events || referral_grant(r.referrer_id, r.id, 'inviter', p_policy -> 'rewards' -> 'inviter');
  v_events := v_events || referral_grant(r.referee_id, r.id, 'invitee', p_policy -> 'rewards' -> 'invitee');
  v_events := v_events || referral_milestones(r.referrer_id, r.id, p_policy);
  RETURN array_remove(v_events, NULL);
END $$;
