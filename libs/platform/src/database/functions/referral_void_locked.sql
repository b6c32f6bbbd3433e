-- referral_void_locked, as PostgreSQL runs it: loaded by 1765200000000-referral-lifecycle.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- Voids a referral (the caller holds its row lock): from any state but void. A referral that was final loses
-- its rewards, each by a reversing entry, and its inviter any milestone no longer reached. NULL: void already.
CREATE OR REPLACE FUNCTION referral_void_locked(p_referral uuid, p_reason varchar, p_actor varchar, p_policy jsonb)
RETURNS uuid[] LANGUAGE plpgsql AS $$
DECLARE
  r referrals%ROWTYPE;
  v_previous varchar;
  v_grant uuid;
  v_events uuid[] := '{}';
BEGIN
  SELECT state INTO v_previous FROM referrals WHERE id = p_referral;
  UPDATE referrals SET state = 'void', voided_at = clock_timestamp(), void_reason = p_reason
   WHERE id = p_referral AND state <> 'void'
  RETURNING * INTO r;
  IF r.id IS NULL THEN
    RETURN NULL;
  END IF;
  INSERT INTO referral_moves (referral_id, step, state, actor, reason) VALUES (r.id, 'voided', 'void', p_actor, p_reason);
  v_events := v_events || referral_event('referral.voided', jsonb_build_object(
    'referral_id', r.id, 'referrer', jsonb_build_object('id', r.referrer_id),
    'referee', jsonb_build_object('id', r.referee_id), 'reason', p_reason, 'by', split_part(p_actor, ':', 1),
    'previous_state', v_previous, 'voided_at', iso_utc(r.voided_at),
    'verdict', r.verdict, 'flags', to_jsonb(r.flags), 'signals', r.signals));
  IF v_previous = 'final' THEN
    FOR v_grant IN
      SELECT id FROM reward_entries WHERE referral_id = r.id AND kind = 'grant' AND role <> 'milestone' ORDER BY created_at, id
    LOOP
      v_events := v_events || referral_reverse(v_grant, 'referral_voided');
    END LOOP;
    v_events := v_events || referral_milestones(r.referrer_id, r.id, p_policy);
  END IF;
  RETURN array_remove(v_events, NULL);
END $$;
