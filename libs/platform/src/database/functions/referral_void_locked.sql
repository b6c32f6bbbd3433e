-- referral_void_locked, as PostgreSQL runs it: loaded by 1765200000000-referral-lifecycle.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- Voids a referral (the caller holds its row lock): from any state but void. A referral that was final loses
-- its rewards, each by a reversing entry, and its inviter any milestone no longer reached (referral_after).
-- NULL: void already.
CREATE OR REPLACE FUNCTION referral_void_locked(p_referral uuid, p_reason varchar, p_actor varchar, p_policy jsonb)
RETURNS uuid[] LANGUAGE plpgsql AS $$
DECLARE
  r referrals%ROWTYPE;
  v_previous varchar;
BEGIN
  SELECT state INTO v_previous FROM referrals WHERE id = p_referral;
  UPDATE referrals SET state = 'void', voided_at = clock_timestamp(), void_reason = p_reason
   WHERE id = p_referral AND state <> 'void'
  RETURNING * INTO r;
  IF r.id IS NULL THEN
    RETURN NULL;
  END IF;
  RETURN referral_after(r, 'voided', p_actor, p_reason, v_previous, p_policy);
END $$;
