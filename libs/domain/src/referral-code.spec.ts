import {
  REFERRAL_CODE_ALPHABET,
  REFERRAL_CODE_PATTERN,
  generateReferralCode,
  normalizeReferralCode,
} from './referral-code.js';
import { generateUsername, isValidUsername } from './username.js';

describe('generateReferralCode', () => {
  it('gives six characters of the unambiguous alphabet', () => {
    for (let i = 0; i < 5000; i++) {
      const code = generateReferralCode();
      expect(code).toMatch(REFERRAL_CODE_PATTERN);
      expect([...code].every((char) => REFERRAL_CODE_ALPHABET.includes(char))).toBe(true);
    }
  });

  it('uses no look-alike characters', () => {
    expect(REFERRAL_CODE_ALPHABET).not.toMatch(/[01ILO]/);
  });

  it('rarely repeats itself', () => {
    const codes = new Set(Array.from({ length: 10_000 }, generateReferralCode));
    // 31^6 is about 887 million: 10,000 draws almost never collide.
    expect(codes.size).toBeGreaterThanOrEqual(9_998);
  });
});

describe('normalizeReferralCode', () => {
  it('compares codes case-insensitively by upper-casing them', () => {
    expect(normalizeReferralCode(' q3zk7m ')).toBe('Q3ZK7M');
  });
});

describe('usernames', () => {
  it.each(['abc', 'jhon', 'J.Doe-1_x', 'a'.repeat(25)])('accepts %j', (name) => {
    expect(isValidUsername(name)).toBe(true);
  });

  it.each(['ab', 'a'.repeat(26), 'me', 'ME', 'has space', 'émile', 'a/b', "o'neil", ''])('refuses %j', (name) => {
    expect(isValidUsername(name)).toBe(false);
  });

  it('generates valid, distinct usernames', () => {
    const names = Array.from({ length: 1000 }, generateUsername);
    expect(names.every(isValidUsername)).toBe(true);
    expect(new Set(names).size).toBe(1000);
  });
});
