import { DomainError, ErrorCode } from './errors.js';
import { isUuid } from './ids.js';

/**
 * Keyset cursors: the sort key of the last row of a page, (timestamp, id), as
 * opaque base64url. The timestamp is PostgreSQL's UTC text with microseconds,
 * so no precision is lost on the way through JavaScript.
 */
export interface Cursor {
  at: string;
  id: string;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?$/;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url');
}

/**
 * A timestamp PostgreSQL accepts: the shape alone lets through month 13, day 45,
 * hour 25 or year 0, which PostgreSQL refuses mid-query. The calendar decides,
 * through a round trip by Date.
 */
function isRealTimestamp(text: string): boolean {
  const parts = TIMESTAMP.exec(text);
  if (!parts) return false;
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number);
  if (year < 1 || hour > 23 || minute > 59 || second > 59) return false;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
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
      isRealTimestamp(parsed[0]) &&
      isUuid(parsed[1])
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
