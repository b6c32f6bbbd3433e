-- referral_finalize_due, as PostgreSQL runs it: loaded by 1765200000000-referral-lifecycle.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- The worker's sweep: up to p_limit qualified, clear referrals whose hold has passed become final, each with
-- its rewards. SKIP LOCKED: workers sweeping at once, and a host's call on one referral, never wait on each other.
CREATE OR REPLACE FUNCTION referral_finalize_due(p_limit integer, p_policy jsonb)
RETURNS TABLE (finalized integer, events uuid[], event_types varchar[]) LANGUAGE plpgsql AS $$
DECLARE
  v_id uuid;
  v_count integer := 0;
  v_events uuid[] := '{}';
BEGIN
  FOR v_id IN
    SELECT x.id FROM referrals x
     WHERE x.state = 'qualified' AND x.verdict = 'clear' AND x.final_due <= clock_timestamp()
     ORDER BY x.final_due LIMIT p_limit FOR UPDATE SKIP LOCKED
  LOOP
    v_events := v_events || referral_finalize_locked(v_id, p_policy);
    v_count := v_count + 1;
  END LOOP;
  RETURN QUERY SELECT v_count, v_events, referral_event_types(v_events);
END $$;
