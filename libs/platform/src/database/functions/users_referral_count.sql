-- users_referral_count, as PostgreSQL runs it: loaded by the migrations from this file (before 1765000000000, 1764200000000-referrals.ts held it inline).
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
CREATE OR REPLACE FUNCTION users_referral_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.referrer_id IS NULL AND NEW.referrer_id IS NOT NULL AND NEW.deleted_at IS NULL THEN
    INSERT INTO referral_counts (user_id, referrals) VALUES (NEW.referrer_id, 1)
      ON CONFLICT (user_id) DO UPDATE SET referrals = referral_counts.referrals + 1;
  ELSIF OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL AND OLD.referrer_id IS NOT NULL THEN
    UPDATE referral_counts SET referrals = referrals - 1 WHERE user_id = OLD.referrer_id;
  END IF;
  RETURN NULL;
END $$;
