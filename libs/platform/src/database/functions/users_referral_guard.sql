-- users_referral_guard, as PostgreSQL runs it: loaded by the migrations from this file (before 1765000000000, 1764200000000-referrals.ts held it inline).
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
CREATE OR REPLACE FUNCTION users_referral_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ancestor uuid;
BEGIN
  IF NEW.referrer_id IS NOT DISTINCT FROM OLD.referrer_id THEN
    RETURN NEW;
  END IF;
  IF OLD.referrer_id IS NOT NULL THEN
    RAISE EXCEPTION 'user % already activated an invite code', OLD.id USING ERRCODE = 'RF409';
  END IF;
  IF NEW.referrer_id = NEW.id THEN
    RETURN NEW; -- users_no_self_referral refuses it
  END IF;
  ancestor := NEW.referrer_id;
  WHILE ancestor IS NOT NULL LOOP
    IF ancestor = NEW.id THEN
      RAISE EXCEPTION 'activating this code would close a circle of invitations' USING ERRCODE = 'RF422';
    END IF;
    SELECT referrer_id INTO ancestor FROM users WHERE id = ancestor FOR SHARE;
  END LOOP;
  RETURN NEW;
END $$;
