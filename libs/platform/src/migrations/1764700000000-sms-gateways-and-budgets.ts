import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * reserve_sms_budget as this migration made it, counting the window's hits on
 * every reservation; 1765500000000-sms-budget-counts.ts replaces it and puts it
 * back on `down`.
 */
export const COUNTING_RESERVE_SMS_BUDGET = `
CREATE OR REPLACE FUNCTION reserve_sms_budget(p_keys varchar[], p_limits integer[], p_request uuid, p_window_seconds integer)
  RETURNS TABLE (tripped varchar, retry_after_ms integer) LANGUAGE plpgsql AS $$
DECLARE
  v_key varchar;
  v_count integer;
  v_oldest timestamptz;
BEGIN
  FOR i IN 1 .. array_length(p_keys, 1) LOOP
    PERFORM pg_advisory_xact_lock(hashtextextended('sms-budget:' || p_keys[i], 0));
  END LOOP;
  FOR i IN 1 .. array_length(p_keys, 1) LOOP
    v_key := p_keys[i];
    SELECT count(*)::integer, min(at) INTO v_count, v_oldest
      FROM sms_budget_hits WHERE key = v_key AND at > now() - make_interval(secs => p_window_seconds);
    IF v_count >= p_limits[i] THEN
      RETURN QUERY SELECT v_key,
        greatest(1, ceil(extract(epoch FROM v_oldest + make_interval(secs => p_window_seconds) - now()) * 1000))::integer;
      RETURN;
    END IF;
  END LOOP;
  INSERT INTO sms_budget_hits (key, code_request_id) SELECT unnest(p_keys), p_request;
  RETURN QUERY SELECT NULL::varchar, 0;
END $$
`;

/**
 * Real SMS gateways and the budgets against SMS pumping.
 *
 * sms_attempts: every hand-over of a message to a transport, and how it ended.
 * A transport that accepted a message, or may have (no answer after the
 * request went out), is never handed the same code request again.
 *
 * sms_budget_hits and reserve_sms_budget: the rolling-hour budgets of codes
 * (the deployment's, a country's, a block of 1,000 numbers'), for deployments
 * without Redis. Each reservation takes the budgets' locks in one order, counts
 * the hour behind it and records itself only when every budget has room, so
 * concurrent requests in every API process share the counts exactly.
 * sms_budget_trips remembers a tripped budget until its window ends, so the
 * warning is logged once per window.
 */
export class SmsGatewaysAndBudgets1764700000000 implements MigrationInterface {
  name = 'SmsGatewaysAndBudgets1764700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE sms_attempts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code_request_id uuid NOT NULL REFERENCES code_requests (id) ON DELETE CASCADE,
        transport varchar(16) NOT NULL,
        state varchar(12) NOT NULL
          CONSTRAINT sms_attempts_state_check CHECK (state IN ('sending', 'accepted', 'ambiguous', 'transient', 'permanent')),
        provider_id varchar(64),
        error varchar(300),
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await db.query(`CREATE INDEX sms_attempts_code_request_idx ON sms_attempts (code_request_id)`);

    await db.query(`
      CREATE TABLE sms_budget_hits (
        key varchar(64) NOT NULL,
        code_request_id uuid NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (key, code_request_id)
      )`);
    await db.query(`CREATE INDEX sms_budget_hits_key_at_idx ON sms_budget_hits (key, at)`);
    await db.query(`
      CREATE TABLE sms_budget_trips (
        key varchar(64) PRIMARY KEY,
        until timestamptz NOT NULL
      )`);

    await db.query(COUNTING_RESERVE_SMS_BUDGET);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION reserve_sms_budget(varchar[], integer[], uuid, integer)`);
    await db.query(`DROP TABLE sms_budget_trips`);
    await db.query(`DROP TABLE sms_budget_hits`);
    await db.query(`DROP TABLE sms_attempts`);
  }
}
