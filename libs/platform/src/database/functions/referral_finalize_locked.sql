-- referral_finalize_locked, as PostgreSQL runs it: loaded by 1765200000000-referral-lifecycle.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- Makes a qualified, clear referral whose hold has passed final, and grants what the rules give (referral_after).
-- The caller holds the referral's row lock and has checked nothing: a referral not ready stays as it is (an
-- empty answer).
CREATE OR REPLACE FUNCTION referral_finalize_locked(p_referral uuid, p_policy jsonb) RETURNS uuid[]
LANGUAGE plpgsql AS $$
DECLARE
  r referrals%ROWTYPE;
BEGIN
  UPDATE referrals SET state = 'final', final_at = clock_timestamp()
   WHERE id = p_referral AND state = 'qualified' AND verdict = 'clear' AND final_due <= clock_timestamp()
  RETURNING * INTO r;
  IF r.id IS NULL THEN
    RETURN '{}';
  END IF;
  RETURN referral_after(r, 'final', 'system', NULL, 'qualified', p_policy);
END $$;
