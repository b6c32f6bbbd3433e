-- referral_event, as PostgreSQL runs it: loaded by 1765200000000-referral-lifecycle.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- An event into the outbox, in the caller's transaction, as recordEvent writes one: {type, timestamp, data}.
CREATE OR REPLACE FUNCTION referral_event(p_type varchar, p_data jsonb) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
  v_id uuid := gen_random_uuid();
  v_at timestamptz := clock_timestamp();
BEGIN
  INSERT INTO events (id, type, body, created_at)
  VALUES (v_id, p_type, json_build_object('type', p_type, 'timestamp', iso_utc(v_at), 'data', p_data)::text, v_at);
  RETURN v_id;
END $$;
