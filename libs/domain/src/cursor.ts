import { DomainError, ErrorCode } from './errors.js';

/**
 * Keyset cursors: the sort key of the last row of a page, (timestamp, id), as
 * opaque base64url. The timestamp is PostgreSQL's UTC text with microseconds,
 * so no precision is lost on the way through JavaScript.
 */
export interface Cursor {
  at: string;
  id: string;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url');
}

/** Decodes a cursor from a query string; anything that is not one of ours is VALIDATION_FAILED. */
export function decodeCursor(value: string): Cursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'string' &&
      typeof parsed[1] === 'string' &&
      TIMESTAMP.test(parsed[0]) &&
      UUID.test(parsed[1])
    ) {
      return { at: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through
  }
  throw new DomainError(ErrorCode.VALIDATION_FAILED, undefined, {
    details: [{ field: 'cursor', message: 'cursor is not a cursor this API returned' }],
  });
}
