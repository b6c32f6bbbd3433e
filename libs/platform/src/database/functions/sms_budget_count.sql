-- sms_budget_count, as PostgreSQL runs it: loaded by 1765500000000-sms-budget-counts.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- Keeps sms_budget_counts equal to the number of sms_budget_hits rows per budget, whichever statement adds or
-- removes them (a reservation, its release, the trim of the window, retention, an operator's DELETE): once per
-- statement, from its transition table. A budget with no rows left has no count row.
CREATE OR REPLACE FUNCTION sms_budget_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO sms_budget_counts AS c (key, hits)
    SELECT key, count(*) FROM added GROUP BY key ORDER BY key
    ON CONFLICT (key) DO UPDATE SET hits = c.hits + EXCLUDED.hits;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE sms_budget_counts c SET hits = c.hits - r.n
      FROM (SELECT key, count(*)::integer AS n FROM removed GROUP BY key) AS r
     WHERE c.key = r.key;
    DELETE FROM sms_budget_counts WHERE hits <= 0 AND key IN (SELECT key FROM removed);
  ELSE
    DELETE FROM sms_budget_counts;
  END IF;
  RETURN NULL;
END $$;
