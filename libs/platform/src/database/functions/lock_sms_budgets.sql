-- lock_sms_budgets, as PostgreSQL runs it: loaded by 1765500000000-sms-budget-counts.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- Every writer of a budget's rows (sms_budget_hits, and through its trigger sms_budget_counts) holds the
-- budget's lock until its transaction ends, taken in key order: writers of one budget take turns, and no two
-- transactions wait on each other's rows.
CREATE OR REPLACE FUNCTION lock_sms_budgets(p_keys varchar[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_key varchar;
BEGIN
  FOR v_key IN SELECT DISTINCT k FROM unnest(p_keys) AS k ORDER BY k LOOP
    PERFORM pg_advisory_xact_lock(hashtextextended('sms-budget:' || v_key, 0));
  END LOOP;
END $$;
