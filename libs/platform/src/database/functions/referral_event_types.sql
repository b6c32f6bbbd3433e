-- referral_event_types, as PostgreSQL runs it: loaded by 1765200000000-referral-lifecycle.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- The types of the events just written, in their order: the API counts its funnel metrics from them.
CREATE OR REPLACE FUNCTION referral_event_types(p_events uuid[]) RETURNS varchar[] LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(e.type ORDER BY x.n), '{}') FROM unnest(p_events) WITH ORDINALITY AS x(id, n) JOIN events e ON e.id = x.id
$$;
