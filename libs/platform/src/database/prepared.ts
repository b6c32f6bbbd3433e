import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { entityManager, type Transaction } from './unit-of-work.js';

/** A statement PostgreSQL parses and plans once per connection, then reuses. */
export interface PreparedStatement {
  name: string;
  text: string;
}

/** The pool option (dataSourceOptions' `extra`) that says whether named statements may be used on this connection. */
export const NAMED_STATEMENTS = 'referralNamedStatements';

interface PgQueryable {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

interface PgPool extends PgQueryable {
  options: Record<string, unknown>;
}

/**
 * Runs a named prepared statement on TypeORM's own pg pool (its driver's public
 * `master`), for the hot paths the bench measures, where parsing and planning
 * the SQL on every request, and TypeORM's per-query runner, cost more than the
 * query itself. Only repositories call it, each with a comment naming the
 * figure that justifies it. Through a transaction-mode pooler the statement
 * goes unnamed (parsed each time): a named one lives on one server connection,
 * and the next transaction may get another. With `tx` it runs on that
 * transaction's connection, inside it; without, on any of the pool's.
 */
export async function runPrepared<T>(
  db: DataSource,
  statement: PreparedStatement,
  values: unknown[],
  tx?: Transaction,
): Promise<T[]> {
  const pool = (db.driver as PostgresDriver).master as PgPool;
  const named = pool.options[NAMED_STATEMENTS] !== false;
  // TypeORM's PostgresQueryRunner holds the transaction's pg client as `databaseConnection`.
  const runner = tx && (entityManager(db, tx).queryRunner as unknown as { databaseConnection?: PgQueryable });
  const client = runner ? runner.databaseConnection! : pool;
  const result = await client.query(
    named ? { name: statement.name, text: statement.text, values } : { text: statement.text, values },
  );
  return result.rows as T[];
}
