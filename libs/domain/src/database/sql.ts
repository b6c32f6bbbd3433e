import type { DataSource, EntityManager } from 'typeorm';

/** Anything TypeORM can run a query on: a DataSource or an EntityManager (in or out of a transaction). */
export interface QueryExecutor {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * Runs a parameterised statement and returns its rows. TypeORM answers UPDATE and
 * DELETE with `[rows, count]` and everything else with `rows`; this evens that out.
 */
export async function sqlRows<T>(executor: QueryExecutor, sql: string, parameters: unknown[] = []): Promise<T[]> {
  const result = await executor.query(sql, parameters);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}

/** The first row, or null. */
export async function sqlRow<T>(executor: QueryExecutor, sql: string, parameters: unknown[] = []): Promise<T | null> {
  const found = await sqlRows<T>(executor, sql, parameters);
  return found[0] ?? null;
}

/** The SQLSTATE of a failed query, however TypeORM wrapped it. */
export function pgErrorCode(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = candidate?.driverError?.code ?? candidate?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The constraint a failed query broke, if any. */
export function pgConstraint(error: unknown): string | undefined {
  const candidate = error as { constraint?: unknown; driverError?: { constraint?: unknown } } | null;
  const constraint = candidate?.driverError?.constraint ?? candidate?.constraint;
  return typeof constraint === 'string' ? constraint : undefined;
}

/** Deadlock and serialization failure: the transaction did nothing and may simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);

/**
 * Runs `work` in a transaction, again (up to `attempts` times) when PostgreSQL
 * aborted it to break a deadlock or a serialization conflict.
 */
export async function transactionWithRetry<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
  attempts = 5,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await dataSource.transaction(work);
    } catch (error) {
      if (attempt >= attempts || !RETRYABLE.has(pgErrorCode(error) ?? '')) throw error;
    }
  }
}

const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '53400']);
const UNAVAILABLE_SYSCALLS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|Connection is closed/i;

/**
 * True when a failure means "the database (or Redis) is not reachable right now"
 * rather than "this request is wrong": the API answers those with 503 so clients
 * retry, instead of a 500 that looks like a bug. Looks through TypeORM's wrapper
 * (`driverError`) and Node's AggregateError (one error per address tried).
 */
export function isUnavailableError(error: unknown): boolean {
  if (error instanceof AggregateError && error.errors.some((inner) => isUnavailableError(inner))) return true;
  const candidate = error as { code?: unknown; message?: unknown; driverError?: unknown } | null;
  if (candidate?.driverError && isUnavailableError(candidate.driverError)) return true;
  const code = candidate?.code;
  if (typeof code === 'string') {
    if (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_SYSCALLS.has(code)) return true;
  }
  const message = candidate?.message;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message);
}

/** A statement PostgreSQL parses and plans once per connection, then reuses. */
export interface PreparedStatement {
  name: string;
  text: string;
}

interface PgPool {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * Runs a named prepared statement on TypeORM's own pg pool: for the hot reads,
 * where re-parsing and re-planning the SQL on every request, and TypeORM's
 * per-query runner, cost more than the query itself.
 */
export async function preparedRows<T>(
  dataSource: DataSource,
  statement: PreparedStatement,
  values: unknown[],
): Promise<T[]> {
  const pool = (dataSource.driver as unknown as { master: PgPool }).master;
  const result = await pool.query({ name: statement.name, text: statement.text, values });
  return result.rows as T[];
}
