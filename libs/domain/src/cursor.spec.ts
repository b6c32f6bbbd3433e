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

  const of = (at: unknown, id: unknown = cursor.id) => Buffer.from(JSON.stringify([at, id])).toString('base64url');

  it.each([
    '2024-13-45 25:61:61.000000',
    '0000-01-01 00:00:00',
    '2024-02-30 00:00:00',
    '2023-02-29 12:00:00',
    '2024-04-31 00:00:00',
    '2024-00-10 00:00:00',
    '2024-01-00 00:00:00',
    '2024-01-01 24:00:00',
    '2024-01-01 23:60:00',
    '2024-01-01 23:59:60',
  ])('refuses the impossible timestamp %s', (at) => {
    expect(() => decodeCursor(of(at))).toThrow(expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }));
  });

  it.each(['2024-02-29 23:59:59.999999', '0001-01-01 00:00:00', '9999-12-31 23:59:59'])(
    'accepts the real timestamp %s',
    (at) => {
      expect(decodeCursor(of(at))).toEqual({ at, id: cursor.id });
    },
  );

  it.each([
    ['a number', 20240101],
    ['an object', { at: cursor.at }],
    ['an array', [cursor.at]],
    ['null', null],
  ])('refuses %s where the timestamp goes, and where the id goes', (_case, part) => {
    expect(() => decodeCursor(of(part))).toThrow(expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }));
    expect(() => decodeCursor(of(cursor.at, part))).toThrow(
      expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }),
    );
  });
});
