import type { MigrationInterface, QueryRunner } from 'typeorm';
import { functionSql } from '../database/functions.js';
import { COUNTING_RESERVE_SMS_BUDGET } from './1764700000000-sms-gateways-and-budgets.js';

/**
 * The SMS budgets on PostgreSQL (deployments without Redis) counted in one row
 * per budget. reserve_sms_budget counted a budget's hits in the rolling hour
 * on every reservation: the deployment's budget held every code of the hour,
 * so each code cost more than the one before it, under the lock all codes
 * share (at 100 signups a second, 4.8 ms a reservation after a few minutes).
 *
 * sms_budget_counts: the number of sms_budget_hits rows per budget, kept by
 *   statement triggers on sms_budget_hits (sms_budget_count), whatever adds or
 *   removes the rows.
 * reserve_sms_budget: removes the budgets' hits that left the window, then
 *   reads each budget's count from its row.
 * release_sms_budget, trim_sms_budget_hits: the reservation's release and
 *   retention's trim, each under the budgets' locks (lock_sms_budgets, in key
 *   order), as the reservation is.
 */
export class SmsBudgetCounts1765500000000 implements MigrationInterface {
  name = 'SmsBudgetCounts1765500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE sms_budget_counts (
        key varchar(64) PRIMARY KEY,
        hits integer NOT NULL
      )`);
    await db.query(`LOCK TABLE sms_budget_hits IN SHARE MODE`);
    await db.query(`INSERT INTO sms_budget_counts (key, hits) SELECT key, count(*) FROM sms_budget_hits GROUP BY key`);
    for (const name of [
      'lock_sms_budgets',
      'sms_budget_count',
      'reserve_sms_budget',
      'release_sms_budget',
      'trim_sms_budget_hits',
    ] as const)
      await db.query(functionSql(name));
    await db.query(`
      CREATE TRIGGER sms_budget_hits_added AFTER INSERT ON sms_budget_hits
        REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION sms_budget_count()`);
    await db.query(`
      CREATE TRIGGER sms_budget_hits_removed AFTER DELETE ON sms_budget_hits
        REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION sms_budget_count()`);
    await db.query(`
      CREATE TRIGGER sms_budget_hits_emptied AFTER TRUNCATE ON sms_budget_hits
        FOR EACH STATEMENT EXECUTE FUNCTION sms_budget_count()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER sms_budget_hits_emptied ON sms_budget_hits`);
    await db.query(`DROP TRIGGER sms_budget_hits_removed ON sms_budget_hits`);
    await db.query(`DROP TRIGGER sms_budget_hits_added ON sms_budget_hits`);
    await db.query(COUNTING_RESERVE_SMS_BUDGET);
    await db.query(`DROP FUNCTION trim_sms_budget_hits(timestamptz, integer)`);
    await db.query(`DROP FUNCTION release_sms_budget(uuid, varchar[])`);
    await db.query(`DROP FUNCTION sms_budget_count()`);
    await db.query(`DROP FUNCTION lock_sms_budgets(varchar[])`);
    await db.query(`DROP TABLE sms_budget_counts`);
  }
}
