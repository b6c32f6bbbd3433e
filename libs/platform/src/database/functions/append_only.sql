-- append_only, as PostgreSQL runs it: loaded by 1765200000000-referral-lifecycle.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- The referrals' history and the reward ledger are written once: a change is a new row, never an edit.
CREATE OR REPLACE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: write a new row instead', TG_TABLE_NAME USING ERRCODE = 'RF423';
END $$;
