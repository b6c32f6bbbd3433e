-- trim_sms_budget_hits, as PostgreSQL runs it: loaded by 1765500000000-sms-budget-counts.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- Retention's part of the budgets: the hits older than p_before of at most p_keys_at_most budgets (the first in
-- key order), under their locks. Answers how many budgets it trimmed: fewer than asked means none is left. The
-- budgets in use are trimmed by their reservations; what this finds is the budgets nobody asked for since.
CREATE OR REPLACE FUNCTION trim_sms_budget_hits(p_before timestamptz, p_keys_at_most integer) RETURNS integer
  LANGUAGE plpgsql AS $$
DECLARE
  v_keys varchar[];
BEGIN
  SELECT array_agg(key ORDER BY key) INTO v_keys
    FROM (SELECT DISTINCT key FROM sms_budget_hits WHERE at < p_before ORDER BY key LIMIT p_keys_at_most) AS old;
  IF v_keys IS NULL THEN
    RETURN 0;
  END IF;
  PERFORM lock_sms_budgets(v_keys);
  DELETE FROM sms_budget_hits WHERE key = ANY (v_keys) AND at < p_before;
  RETURN cardinality(v_keys);
END $$;
