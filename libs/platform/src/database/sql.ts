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

/** SQL text of a timestamp as JSON wants it: ISO 8601, UTC, milliseconds. */
export const isoUtc = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** SQL text of a timestamp as a keyset cursor keeps it: UTC, microseconds (see cursor.ts). */
export const cursorAt = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`;

/** The unique index a failed insert or update ran into (23505), if any. */
export function uniqueViolation(error: unknown): string | undefined {
  return pgErrorCode(error) === '23505' ? pgConstraint(error) : undefined;
}
