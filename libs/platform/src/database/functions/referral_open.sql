-- referral_open, as PostgreSQL runs it: loaded by 1765200000000-referral-lifecycle.ts from this file.
-- To change it: edit this file and add a migration that loads it again, as 1765000000000-functions-from-files.ts does.
-- Right after an activation (users_referral_open made the referral, pending): records the fraud signals the
-- sign-in layer holds, turns them into a verdict by the deployment's rules, and writes referral.activated.
-- A verdict of reject voids the referral at once (reason fraud); a referral in review waits for an admin; with
-- qualify_on_signup the sign-up itself qualifies it. Answers the referral, its verdict and the events written.
--   p_address: the invitee's address now (NULL: unknown); loopback addresses are compared only when the
--     policy's compare_loopback is true (production: outside it, one machine is one network).
--   p_device: the device id the invitee's client sent (NULL: none).
--   p_number_type: the invitee's number type (libphonenumber's, lower case); the countries: ISO alpha-2.
CREATE OR REPLACE FUNCTION referral_open(
  p_referee uuid, p_address varchar, p_device varchar, p_number_type varchar,
  p_invitee_country varchar, p_inviter_country varchar, p_policy jsonb
) RETURNS TABLE (referral_id uuid, verdict varchar, events uuid[], event_types varchar[]) LANGUAGE plpgsql AS $$
DECLARE
  r referrals%ROWTYPE;
  v_address inet := p_address::inet;
  v_net inet;
  v_same_network boolean;
  v_same_device boolean;
  v_velocity integer;
  v_limit integer := coalesce((p_policy ->> 'velocity_per_hour')::integer, 0);
  v_flags text[] := '{}';
  v_flag text;
  v_verdict varchar := 'clear';
  v_signals jsonb;
  v_events uuid[] := '{}';
  v_referrer varchar;
  v_referee varchar;
  v_hold integer := coalesce((p_policy ->> 'hold_seconds')::integer, 0);
  v_now timestamptz;
  v_qualify boolean;
  v_final boolean;
BEGIN
  SELECT * INTO r FROM referrals x WHERE x.referee_id = p_referee FOR UPDATE;
  IF r.id IS NULL THEN
    RETURN;
  END IF;
  IF v_address IS NOT NULL AND ((p_policy ->> 'compare_loopback')::boolean
                                 OR NOT (v_address << inet '127.0.0.0/8' OR v_address = inet '::1')) THEN
    v_net := network(set_masklen(v_address, CASE family(v_address) WHEN 4 THEN 24 ELSE 64 END));
    SELECT EXISTS (
      SELECT 1 FROM sessions s
       WHERE s.user_id = r.referrer_id AND s.ip_address IS NOT NULL AND s.created_at > now() - interval '90 days'
         AND CASE WHEN family(s.ip_address::inet) = family(v_address)
                  THEN network(set_masklen(s.ip_address::inet, masklen(v_net))) = v_net ELSE false END)
      INTO v_same_network;
  END IF;
  IF p_device IS NOT NULL THEN
    SELECT EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = r.referrer_id AND s.device_id = p_device)
      INTO v_same_device;
  END IF;
  SELECT count(*) INTO v_velocity FROM referrals x
   WHERE x.referrer_id = r.referrer_id AND x.activated_at > clock_timestamp() - interval '1 hour';

  IF v_same_network THEN v_flags := v_flags || 'same_network'::text; END IF;
  IF v_same_device THEN v_flags := v_flags || 'same_device'::text; END IF;
  IF v_limit > 0 AND v_velocity > v_limit THEN v_flags := v_flags || 'velocity'::text; END IF;
  IF p_number_type IS DISTINCT FROM 'mobile' THEN v_flags := v_flags || 'not_mobile'::text; END IF;
  IF p_invitee_country IS DISTINCT FROM p_inviter_country THEN v_flags := v_flags || 'foreign_country'::text; END IF;
  FOREACH v_flag IN ARRAY v_flags LOOP
    CASE p_policy -> 'rules' ->> v_flag
      WHEN 'reject' THEN v_verdict := 'reject';
      WHEN 'review' THEN IF v_verdict = 'clear' THEN v_verdict := 'review'; END IF;
      ELSE NULL;
    END CASE;
  END LOOP;
  v_signals := jsonb_build_object(
    'same_network', v_same_network, 'same_device', v_same_device,
    'referrals_last_hour', v_velocity, 'velocity_per_hour', v_limit,
    'number_type', p_number_type, 'invitee_country', p_invitee_country, 'inviter_country', p_inviter_country);
  -- Where the referral ends up now, in one UPDATE (one new row version): void on a reject verdict; qualified
  -- (or final, when clear with no hold) when the sign-up qualifies; else pending.
  v_now := clock_timestamp();
  v_qualify := v_verdict <> 'reject' AND coalesce((p_policy ->> 'qualify_on_signup')::boolean, false);
  v_final := v_qualify AND v_verdict = 'clear' AND v_hold <= 0;
  UPDATE referrals x
     SET signals = v_signals, flags = v_flags, verdict = v_verdict,
         state = CASE WHEN v_verdict = 'reject' THEN 'void' WHEN v_final THEN 'final'
                      WHEN v_qualify THEN 'qualified' ELSE 'pending' END,
         voided_at = CASE WHEN v_verdict = 'reject' THEN v_now END,
         void_reason = CASE WHEN v_verdict = 'reject' THEN 'fraud' END,
         qualified_at = CASE WHEN v_qualify THEN v_now END,
         qualifying_action = CASE WHEN v_qualify THEN 'signup' END,
         final_due = CASE WHEN v_qualify THEN v_now + make_interval(secs => v_hold) END,
         final_at = CASE WHEN v_final THEN v_now END
   WHERE x.id = r.id
  RETURNING * INTO r;

  SELECT username INTO v_referrer FROM users WHERE id = r.referrer_id;
  SELECT username INTO v_referee FROM users WHERE id = r.referee_id;
  v_events := v_events || referral_event('referral.activated', jsonb_build_object(
    'referrer', jsonb_build_object('id', r.referrer_id, 'username', v_referrer),
    'referee', jsonb_build_object('id', r.referee_id, 'username', v_referee),
    'referral_code', r.referral_code, 'activated_at', iso_utc(r.activated_at),
    'referrals_count', (SELECT c.referrals FROM referral_counts c WHERE c.user_id = r.referrer_id),
    'referral_id', r.id, 'verdict', v_verdict, 'flags', to_jsonb(v_flags), 'signals', v_signals));
  IF v_verdict = 'reject' THEN
    v_events := v_events || referral_after(r, 'voided', 'system', 'fraud', 'pending', p_policy);
  ELSE
    IF v_verdict = 'review' THEN
      v_events := v_events || referral_after(r, 'flagged', 'system', array_to_string(v_flags, ','), NULL, p_policy);
    END IF;
    IF v_qualify THEN
      v_events := v_events || referral_after(r, 'qualified', 'system', NULL, 'pending', p_policy);
    END IF;
    IF v_final THEN
      v_events := v_events || referral_after(r, 'final', 'system', NULL, 'qualified', p_policy);
    END IF;
  END IF;
  v_events := array_remove(v_events, NULL);
  RETURN QUERY SELECT r.id, v_verdict, v_events, referral_event_types(v_events);
END $$;
