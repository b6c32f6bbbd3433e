import { decodeCursor, encodeCursor } from './cursor.js';
import { ErrorCode } from './errors.js';

describe('cursors', () => {
  const cursor = { at: '2026-11-26 10:00:00.123456', id: '0b7f7a38-5f64-4a0e-9a4f-1f5d3c1c2b11' };

  it('round-trips', () => {
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it('is opaque and URL-safe', () => {
    expect(encodeCursor(cursor)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it.each([
    ['garbage', 'not-a-cursor'],
    ['an empty string', ''],
    ['a wrong shape', Buffer.from(JSON.stringify({ at: cursor.at, id: cursor.id })).toString('base64url')],
    [
      'SQL in the timestamp',
      Buffer.from(JSON.stringify(["2026-01-01'; DROP TABLE users; --", cursor.id])).toString('base64url'),
    ],
    ['a bad id', Buffer.from(JSON.stringify([cursor.at, 'x'])).toString('base64url')],
  ])('refuses %s with VALIDATION_FAILED', (_case, value) => {
    expect(() => decodeCursor(value)).toThrow(expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }));
  });
});
