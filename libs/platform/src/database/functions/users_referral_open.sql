-- users_referral_open, as PostgreSQL runs it: loaded by 1765200000000-referral-lifecycle.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- An activation (referrer_id set, once) opens the user's referral, pending: every referred user has one,
-- whichever release activated the code. referral_open then records its signals and verdict.
CREATE OR REPLACE FUNCTION users_referral_open() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_id uuid;
BEGIN
  IF OLD.referrer_id IS NULL AND NEW.referrer_id IS NOT NULL THEN
    INSERT INTO referrals (id, referee_id, referrer_id, referral_code, activated_at)
    VALUES (gen_random_uuid(), NEW.id, NEW.referrer_id, NEW.used_referral_code, NEW.referred_at)
    RETURNING id INTO v_id;
    INSERT INTO referral_moves (referral_id, step, state, actor) VALUES (v_id, 'activated', 'pending', 'invitee');
  END IF;
  RETURN NULL;
END $$;
