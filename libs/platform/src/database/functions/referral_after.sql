-- referral_after, as PostgreSQL runs it: loaded by 1765200000000-referral-lifecycle.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- What a step leaves behind, once the caller has moved the referral (r, as its UPDATE returned it): the history
-- row, the step's event, and for final the rewards (each side, then the milestones), for a void of a final
-- referral the reversals. One place for every step's record, whichever function made the step.
--   p_step: flagged (no event), qualified, final, voided; p_previous: the state before (voided only).
CREATE OR REPLACE FUNCTION referral_after(
  r referrals, p_step varchar, p_actor varchar, p_reason varchar, p_previous varchar, p_policy jsonb
) RETURNS uuid[] LANGUAGE plpgsql AS $$
DECLARE
  v_sides jsonb := jsonb_build_object(
    'referral_id', r.id, 'referrer', jsonb_build_object('id', r.referrer_id),
    'referee', jsonb_build_object('id', r.referee_id));
  v_grant uuid;
  v_events uuid[] := '{}';
BEGIN
  INSERT INTO referral_moves (referral_id, step, state, actor, reason, action)
  VALUES (r.id, p_step, CASE p_step WHEN 'flagged' THEN 'pending' WHEN 'voided' THEN 'void' ELSE p_step END,
          p_actor, p_reason, CASE WHEN p_step = 'qualified' THEN r.qualifying_action END);
  CASE p_step
    WHEN 'qualified' THEN
      v_events := v_events || referral_event('referral.qualified', v_sides || jsonb_build_object(
        'action', r.qualifying_action, 'qualified_at', iso_utc(r.qualified_at), 'final_due', iso_utc(r.final_due),
        'verdict', r.verdict, 'flags', to_jsonb(r.flags), 'signals', r.signals));
    WHEN 'final' THEN
      v_events := v_events || referral_event('referral.finalized', v_sides || jsonb_build_object(
        'final_at', iso_utc(r.final_at)));
      v_events := v_events || referral_grant(r.referrer_id, r.id, 'inviter', p_policy -> 'rewards' -> 'inviter');
      v_events := v_events || referral_grant(r.referee_id, r.id, 'invitee', p_policy -> 'rewards' -> 'invitee');
      v_events := v_events || referral_milestones(r.referrer_id, r.id, p_policy);
    WHEN 'voided' THEN
      v_events := v_events || referral_event('referral.voided', v_sides || jsonb_build_object(
        'reason', p_reason, 'by', split_part(p_actor, ':', 1), 'previous_state', p_previous,
        'voided_at', iso_utc(r.voided_at), 'verdict', r.verdict, 'flags', to_jsonb(r.flags), 'signals', r.signals));
      IF p_previous = 'final' THEN
        FOR v_grant IN
          SELECT id FROM reward_entries
           WHERE referral_id = r.id AND kind = 'grant' AND role <> 'milestone' ORDER BY created_at, id
        LOOP
          v_events := v_events || referral_reverse(v_grant, 'referral_voided');
        END LOOP;
        v_events := v_events || referral_milestones(r.referrer_id, r.id, p_policy);
      END IF;
    ELSE
      NULL;
  END CASE;
  RETURN array_remove(v_events, NULL);
END $$;
