-- referral_milestones, as PostgreSQL runs it: loaded by 1765200000000-referral-lifecycle.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- Brings an inviter's milestone rewards in line with their count of final referrals: a milestone reached and
-- not held is granted (credited to p_referral, the referral that reached it), one held and no longer reached
-- (a final referral was voided) is reversed. The inviter's referral_counts row, locked here (the count
-- trigger locked it already when a state changed), serialises every inviter's milestones.
CREATE OR REPLACE FUNCTION referral_milestones(p_user uuid, p_referral uuid, p_policy jsonb) RETURNS uuid[]
LANGUAGE plpgsql AS $$
DECLARE
  v_final integer;
  v_rule jsonb;
  v_at integer;
  v_held uuid[];
  v_times integer;
  v_grant uuid;
  v_events uuid[] := '{}';
BEGIN
  IF jsonb_array_length(coalesce(p_policy -> 'rewards' -> 'milestones', '[]')) = 0 THEN
    RETURN v_events;
  END IF;
  SELECT final INTO v_final FROM referral_counts WHERE user_id = p_user FOR UPDATE;
  FOR v_rule IN SELECT jsonb_array_elements(p_policy -> 'rewards' -> 'milestones') LOOP
    v_at := (v_rule ->> 'at')::integer;
    SELECT coalesce(array_agg(g.id) FILTER (WHERE NOT EXISTS (
             SELECT 1 FROM reward_entries x WHERE x.of_entry = g.id AND x.kind = 'reversal')), '{}'),
           count(*)
      INTO v_held, v_times
      FROM reward_entries g
     WHERE g.kind = 'grant' AND g.role = 'milestone' AND g.user_id = p_user AND g.milestone = v_at;
    IF coalesce(v_final, 0) >= v_at AND cardinality(v_held) = 0 THEN
      v_grant := referral_grant(p_user, p_referral, 'milestone', v_rule, v_at, v_times + 1);
      IF v_grant IS NOT NULL THEN
        v_events := v_events || v_grant;
      END IF;
    ELSIF coalesce(v_final, 0) < v_at THEN
      FOREACH v_grant IN ARRAY v_held LOOP
        v_events := v_events || referral_reverse(v_grant, 'milestone_lost');
      END LOOP;
    END IF;
  END LOOP;
  RETURN array_remove(v_events, NULL);
END $$;
