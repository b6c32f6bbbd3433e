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
