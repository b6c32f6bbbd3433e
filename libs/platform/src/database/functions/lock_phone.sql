-- lock_phone, as PostgreSQL runs it: loaded by the migrations from this file (before 1765000000000, 1764600000000-sign-in-policy.ts held it inline).
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
CREATE OR REPLACE FUNCTION lock_phone(p_phone varchar) RETURNS void LANGUAGE sql AS $$
  SELECT pg_advisory_xact_lock(hashtextextended(p_phone, 0))
$$;
