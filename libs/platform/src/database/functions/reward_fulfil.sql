-- reward_fulfil, as PostgreSQL runs it: loaded by 1765200000000-referral-lifecycle.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- The host marks a granted reward fulfilled (it credited the account, sent the coupon): a fulfilment entry and
-- reward.fulfilled, once. Outcomes: fulfilled (now), already (before), reversed (the grant was reversed:
-- nothing to fulfil), not_found.
CREATE OR REPLACE FUNCTION reward_fulfil(p_reward uuid, p_reference varchar, p_actor varchar)
RETURNS TABLE (outcome varchar, events uuid[], event_types varchar[]) LANGUAGE plpgsql AS $$
DECLARE
  v_grant reward_entries%ROWTYPE;
  v_entry reward_entries%ROWTYPE;
  v_event uuid;
BEGIN
  -- The referral's row lock: a fulfilment and a void of the same referral take turns.
  PERFORM 1 FROM referrals x JOIN reward_entries g ON g.referral_id = x.id WHERE g.id = p_reward FOR UPDATE OF x;
  SELECT * INTO v_grant FROM reward_entries g WHERE g.id = p_reward AND g.kind = 'grant';
  IF v_grant.id IS NULL THEN
    RETURN QUERY SELECT 'not_found'::varchar, '{}'::uuid[], '{}'::varchar[];
    RETURN;
  END IF;
  IF EXISTS (SELECT 1 FROM reward_entries x WHERE x.of_entry = p_reward AND x.kind = 'fulfilment') THEN
    RETURN QUERY SELECT 'already'::varchar, '{}'::uuid[], '{}'::varchar[];
    RETURN;
  END IF;
  IF EXISTS (SELECT 1 FROM reward_entries x WHERE x.of_entry = p_reward AND x.kind = 'reversal') THEN
    RETURN QUERY SELECT 'reversed'::varchar, '{}'::uuid[], '{}'::varchar[];
    RETURN;
  END IF;
  INSERT INTO reward_entries (id, kind, user_id, referral_id, role, milestone, occurrence, amount, unit, of_entry, note)
  VALUES (gen_random_uuid(), 'fulfilment', v_grant.user_id, v_grant.referral_id, v_grant.role, v_grant.milestone, v_grant.occurrence,
          0, v_grant.unit, v_grant.id, p_reference)
  RETURNING * INTO v_entry;
  v_event := referral_event('reward.fulfilled', jsonb_build_object(
    'reward_id', v_grant.id, 'referral_id', v_grant.referral_id, 'user_id', v_grant.user_id,
    'reference', p_reference, 'by', split_part(p_actor, ':', 1), 'fulfilled_at', iso_utc(v_entry.created_at)));
  RETURN QUERY SELECT 'fulfilled'::varchar, ARRAY[v_event], ARRAY['reward.fulfilled']::varchar[];
END $$;
