const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether a text is a UUID as PostgreSQL's `uuid` type reads it: checked before
 * an id from a client (a path, a cursor, a token's claim) reaches a statement,
 * where anything else would be an error, not a "no such row".
 */
export function isUuid(text: unknown): text is string {
  return typeof text === 'string' && UUID.test(text);
}
