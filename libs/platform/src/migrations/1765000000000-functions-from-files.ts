import type { MigrationInterface, QueryRunner } from 'typeorm';
import { functionSql, type StoredFunction } from '../database/functions.js';

/** The functions there were then; later migrations load the ones they add or change. */
const FUNCTIONS_THEN: StoredFunction[] = [
  'lock_phone',
  'locked_for',
  'window_lock',
  'request_code',
  'verify_code',
  'reserve_sms_budget',
  'users_referral_guard',
  'users_referral_count',
];

/**
 * Every stored function from its file (libs/platform/src/database/functions/),
 * the definitions the earlier migrations held inline, unchanged but for their
 * indentation. From here on a change to a function is an edit of its file and
 * a migration like this one that loads it: `await db.query(functionSql('request_code'))`.
 */
export class FunctionsFromFiles1765000000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    for (const name of FUNCTIONS_THEN) await db.query(functionSql(name));
  }

  async down(): Promise<void> {
    // The same definitions as before it: nothing to undo.
  }
}
