-- release_sms_budget, as PostgreSQL runs it: loaded by 1765500000000-sms-budget-counts.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- Gives a reservation back (the code was not sent after all), under its budgets' locks.
CREATE OR REPLACE FUNCTION release_sms_budget(p_request uuid, p_keys varchar[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM lock_sms_budgets(p_keys);
  DELETE FROM sms_budget_hits WHERE code_request_id = p_request AND key = ANY (p_keys);
END $$;
