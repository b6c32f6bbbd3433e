-- window_lock, as PostgreSQL runs it: loaded by the migrations from this file (before 1765000000000, 1764900000000-defences.ts held it inline).
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
CREATE OR REPLACE FUNCTION window_lock(p_phone varchar, p_window_limit integer, p_window_seconds integer)
RETURNS integer LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN count(*) >= p_window_limit
              THEN greatest(1, ceil(extract(epoch FROM min(failed_at) + make_interval(secs => p_window_seconds) - now())))::integer
         END
    FROM (SELECT failed_at FROM sign_in_failures
           WHERE phone_number = p_phone AND failed_at > now() - make_interval(secs => p_window_seconds)
           ORDER BY failed_at DESC LIMIT p_window_limit) AS recent
$$;
