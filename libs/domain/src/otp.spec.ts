import { randomBytes } from 'node:crypto';
import {
  deriveOtpKeys,
  generateOtp,
  hashOtp,
  otpMatches,
  parseTestNumbers,
  phonePolicy,
  sealOtp,
  unsealOtp,
} from './otp.js';

const keys = deriveOtpKeys('a-root-secret-of-reasonable-length-for-tests');
const id = '0b7f7a38-5f64-4a0e-9a4f-1f5d3c1c2b11';

describe('generateOtp', () => {
  it('always gives four digits, leading zeros included', () => {
    const codes = Array.from({ length: 20_000 }, generateOtp);
    expect(codes.every((code) => /^\d{4}$/.test(code))).toBe(true);
    expect(codes.some((code) => code.startsWith('0'))).toBe(true);
  });

  it('spreads codes over the whole space', () => {
    const distinct = new Set(Array.from({ length: 20_000 }, generateOtp));
    // 20,000 draws from 10,000 values cover about 86% of them; a broken generator covers far fewer.
    expect(distinct.size).toBeGreaterThan(8000);
  });
});

describe('deriveOtpKeys', () => {
  it('derives two different 32-byte keys, the same ones every time', () => {
    expect(keys.hashKey).toHaveLength(32);
    expect(keys.sealKey).toHaveLength(32);
    expect(keys.hashKey.equals(keys.sealKey)).toBe(false);
    expect(deriveOtpKeys('a-root-secret-of-reasonable-length-for-tests').hashKey.equals(keys.hashKey)).toBe(true);
  });
});

describe('hashOtp and otpMatches', () => {
  const hash = hashOtp(keys.hashKey, id, '+79123456789', '0421');

  it('matches the right code for the right request and phone', () => {
    expect(otpMatches(keys.hashKey, hash, id, '+79123456789', '0421')).toBe(true);
  });

  it.each([
    ['another code', id, '+79123456789', '0422'],
    ['another phone', id, '+79123456780', '0421'],
    ['another request', '9c0e4c1c-5a56-4a5f-8d5e-0a0e8f0f9a11', '+79123456789', '0421'],
  ])('does not match %s', (_case, requestId, phone, code) => {
    expect(otpMatches(keys.hashKey, hash, requestId, phone, code)).toBe(false);
  });

  it('depends on the key', () => {
    const other = deriveOtpKeys('another-root-secret-of-reasonable-length');
    expect(otpMatches(other.hashKey, hash, id, '+79123456789', '0421')).toBe(false);
  });

  it('does not contain the code in any readable form', () => {
    expect(hash.toString('hex')).not.toContain(Buffer.from('0421').toString('hex'));
    expect(hash.toString('latin1')).not.toContain('0421');
  });
});

describe('sealOtp and unsealOtp', () => {
  it('round-trips the code for its own request', () => {
    expect(unsealOtp(keys.sealKey, id, sealOtp(keys.sealKey, id, '0007'))).toBe('0007');
  });

  it('gives a different box each time for the same code', () => {
    expect(sealOtp(keys.sealKey, id, '1234').equals(sealOtp(keys.sealKey, id, '1234'))).toBe(false);
  });

  it('refuses a box moved to another request', () => {
    const sealed = sealOtp(keys.sealKey, id, '1234');
    expect(() => unsealOtp(keys.sealKey, '9c0e4c1c-5a56-4a5f-8d5e-0a0e8f0f9a11', sealed)).toThrow();
  });

  it('refuses a tampered box', () => {
    const sealed = sealOtp(keys.sealKey, id, '1234');
    sealed[sealed.length - 1] ^= 1;
    expect(() => unsealOtp(keys.sealKey, id, sealed)).toThrow();
  });

  it('refuses a box sealed with another key', () => {
    const sealed = sealOtp(randomBytes(32), id, '1234');
    expect(() => unsealOtp(keys.sealKey, id, sealed)).toThrow();
  });
});

describe('parseTestNumbers', () => {
  it('reads number:code pairs', () => {
    expect(parseTestNumbers(' +79990000000:1234, +79990000001:0000 ,')).toEqual([
      { phone: '+79990000000', code: '1234' },
      { phone: '+79990000001', code: '0000' },
    ]);
  });

  it('reads nothing from an empty value', () => {
    expect(parseTestNumbers('')).toEqual([]);
  });

  it.each(['+79990000000', '+79990000000:12', '+79990000000:abcd', ':1234'])('refuses %j', (value) => {
    expect(() => parseTestNumbers(value)).toThrow();
  });
});

describe('phonePolicy', () => {
  const settings = {
    testNumbers: new Map([['+79990000000', '0000']]),
    failuresPerWindow: 100,
    testNumberFailuresPerWindow: 10,
    failureWindowSeconds: 86_400,
  };

  it('exempts a fixed-code test number, with its code and the lock-sized ceiling of wrong codes', () => {
    expect(phonePolicy('+79990000000', settings)).toEqual({
      fixedCode: '0000',
      exempt: true,
      window: { failuresPerWindow: 10, windowSeconds: 86_400 },
    });
  });

  it('holds every other number to the full policy', () => {
    expect(phonePolicy('+79990000001', settings)).toEqual({
      fixedCode: undefined,
      exempt: false,
      window: { failuresPerWindow: 100, windowSeconds: 86_400 },
    });
  });
});
