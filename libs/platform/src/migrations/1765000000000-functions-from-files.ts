import type { MigrationInterface, QueryRunner } from 'typeorm';
import { functionSql, STORED_FUNCTIONS } from '../database/functions.js';

/**
 * Every stored function from its file (libs/platform/src/database/functions/),
 * the definitions the earlier migrations held inline, unchanged but for their
 * indentation. From here on a change to a function is an edit of its file and
 * a migration like this one that loads it: `await db.query(functionSql('request_code'))`.
 */
export class FunctionsFromFiles1765000000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    for (const name of STORED_FUNCTIONS) await db.query(functionSql(name));
  }

  async down(): Promise<void> {
    // The same definitions as before it: nothing to undo.
  }
}
