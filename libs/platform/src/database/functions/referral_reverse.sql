-- referral_reverse, as PostgreSQL runs it: loaded by 1765200000000-referral-lifecycle.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- The reversing entry of a grant (its amount, negated), with its reward.reversed event; NULL when the grant
-- was reversed before (one reversal per grant: reward_entries_of_entry_key).
CREATE OR REPLACE FUNCTION referral_reverse(p_grant uuid, p_reason varchar) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
  v_grant reward_entries%ROWTYPE;
  v_entry reward_entries%ROWTYPE;
BEGIN
  SELECT * INTO v_grant FROM reward_entries WHERE id = p_grant AND kind = 'grant';
  INSERT INTO reward_entries (id, kind, user_id, referral_id, role, milestone, occurrence, amount, unit, of_entry, note)
  VALUES (gen_random_uuid(), 'reversal', v_grant.user_id, v_grant.referral_id, v_grant.role, v_grant.milestone, v_grant.occurrence,
          -v_grant.amount, v_grant.unit, v_grant.id, p_reason)
  ON CONFLICT DO NOTHING
  RETURNING * INTO v_entry;
  IF v_entry.id IS NULL THEN
    RETURN NULL;
  END IF;
  RETURN referral_event('reward.reversed', jsonb_build_object(
    'reward_id', v_grant.id, 'reversal_id', v_entry.id, 'referral_id', v_grant.referral_id, 'user_id', v_grant.user_id,
    'role', v_grant.role, 'milestone', v_grant.milestone, 'amount', trim_scale(v_grant.amount), 'unit', v_grant.unit,
    'reason', p_reason, 'reversed_at', iso_utc(v_entry.created_at)));
END $$;
