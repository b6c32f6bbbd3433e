-- referrals_count_states, as PostgreSQL runs it: loaded by 1765200000000-referral-lifecycle.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- Keeps each inviter's counts per state in referral_counts, so a profile and the leaderboard read one row.
-- in_review: waiting for an admin (verdict review, not yet final or void).
CREATE OR REPLACE FUNCTION referrals_count_states() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d_pending integer := (NEW.state = 'pending')::integer;
  d_qualified integer := (NEW.state = 'qualified')::integer;
  d_final integer := (NEW.state = 'final')::integer;
  d_void integer := (NEW.state = 'void')::integer;
  d_review integer := (NEW.verdict = 'review' AND NEW.state IN ('pending', 'qualified'))::integer;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.state = NEW.state AND OLD.verdict = NEW.verdict THEN
      RETURN NULL;
    END IF;
    d_pending := d_pending - (OLD.state = 'pending')::integer;
    d_qualified := d_qualified - (OLD.state = 'qualified')::integer;
    d_final := d_final - (OLD.state = 'final')::integer;
    d_void := d_void - (OLD.state = 'void')::integer;
    d_review := d_review - (OLD.verdict = 'review' AND OLD.state IN ('pending', 'qualified'))::integer;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    -- The inviter's row exists (the insert made it); an insert would check its negative deltas first.
    UPDATE referral_counts SET
      pending = pending + d_pending, qualified = qualified + d_qualified, final = final + d_final,
      void = void + d_void, in_review = in_review + d_review
     WHERE user_id = NEW.referrer_id;
  ELSE
    INSERT INTO referral_counts AS c (user_id, pending, qualified, final, void, in_review)
    VALUES (NEW.referrer_id, d_pending, d_qualified, d_final, d_void, d_review)
    ON CONFLICT (user_id) DO UPDATE SET
      pending = c.pending + EXCLUDED.pending,
      qualified = c.qualified + EXCLUDED.qualified,
      final = c.final + EXCLUDED.final,
      void = c.void + EXCLUDED.void,
      in_review = c.in_review + EXCLUDED.in_review;
  END IF;
  RETURN NULL;
END $$;
