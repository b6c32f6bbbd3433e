import { DomainError, ErrorCode } from './errors.js';
import { normalizePhoneNumber, tryNormalizePhoneNumber } from './phone-number.js';

describe('normalizePhoneNumber', () => {
  it.each([
    ['+79123456789', 'RU', '+79123456789'],
    ['+7 912 345-67-89', 'RU', '+79123456789'],
    ['+7 (912) 345-67-89', 'RU', '+79123456789'],
    ['79123456789', 'RU', '+79123456789'],
    ['89123456789', 'RU', '+79123456789'],
    ['8 912 345 67 89', 'RU', '+79123456789'],
    ['9123456789', 'RU', '+79123456789'],
    ['  +79123456789  ', 'RU', '+79123456789'],
    ['+447911123456', 'RU', '+447911123456'],
    ['07911 123456', 'GB', '+447911123456'],
    ['447911123456', 'RU', '+447911123456'],
    ['+1 650 253 0000', 'RU', '+16502530000'],
  ] as const)('normalises %j (region %s) to %s', (input, region, expected) => {
    expect(normalizePhoneNumber(input, region)).toBe(expected);
  });

  it.each([
    ['', 'empty'],
    ['12', 'too short'],
    ['+7912345678', 'one digit short'],
    ['+791234567890', 'one digit long'],
    ['+74951234567', 'a Moscow landline'],
    ['+7 912 345 67 8x', 'letters'],
    ['+79123456789; DROP TABLE users', 'SQL'],
    ['+0 000 000 0000', 'no such country'],
    ['１２３４５６７８９０', 'full-width digits'],
    ['+7912345678\u0000', 'a NUL byte'],
  ])('rejects %j (%s) with INVALID_PHONE_NUMBER', (input) => {
    expect(() => normalizePhoneNumber(input, 'RU')).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_PHONE_NUMBER }) as DomainError,
    );
  });

  it.each([null, undefined, 79123456789, {}, []])('rejects the non-string %j', (input) => {
    expect(() => normalizePhoneNumber(input, 'RU')).toThrow(DomainError);
  });

  it('answers null instead of throwing in tryNormalizePhoneNumber', () => {
    expect(tryNormalizePhoneNumber('nope', 'RU')).toBeNull();
    expect(tryNormalizePhoneNumber('89123456789', 'RU')).toBe('+79123456789');
  });
});
