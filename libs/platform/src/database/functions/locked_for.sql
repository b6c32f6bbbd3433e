-- locked_for, as PostgreSQL runs it: loaded by the migrations from this file (before 1765000000000, 1764900000000-defences.ts held it inline).
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
CREATE OR REPLACE FUNCTION locked_for(p_phone varchar, p_window_limit integer, p_window_seconds integer)
RETURNS integer LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    (SELECT greatest(1, ceil(extract(epoch FROM locked_until - now())))::integer
       FROM sign_in_attempts WHERE phone_number = p_phone AND locked_until > now()),
    window_lock(p_phone, p_window_limit, p_window_seconds))
$$;
