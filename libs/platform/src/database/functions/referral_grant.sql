-- referral_grant, as PostgreSQL runs it: loaded by 1765200000000-referral-lifecycle.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- One grant into the reward ledger, with its reward.granted event; nothing (NULL) when the rule gives nothing
-- or the unique indexes say it was granted already (never two for one).
CREATE OR REPLACE FUNCTION referral_grant(
  p_user uuid, p_referral uuid, p_role varchar, p_rule jsonb, p_milestone integer DEFAULT NULL, p_occurrence integer DEFAULT 1
) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
  v_entry reward_entries%ROWTYPE;
BEGIN
  IF p_rule IS NULL OR jsonb_typeof(p_rule) <> 'object' THEN
    RETURN NULL;
  END IF;
  INSERT INTO reward_entries (id, kind, user_id, referral_id, role, milestone, occurrence, amount, unit)
  VALUES (gen_random_uuid(), 'grant', p_user, p_referral, p_role, p_milestone, p_occurrence, (p_rule ->> 'amount')::numeric, p_rule ->> 'unit')
  ON CONFLICT DO NOTHING
  RETURNING * INTO v_entry;
  IF v_entry.id IS NULL THEN
    RETURN NULL;
  END IF;
  RETURN referral_event('reward.granted', jsonb_build_object(
    'reward_id', v_entry.id, 'referral_id', p_referral, 'user_id', p_user, 'role', p_role,
    'milestone', p_milestone, 'amount', trim_scale(v_entry.amount), 'unit', v_entry.unit,
    'granted_at', iso_utc(v_entry.created_at)));
END $$;
