import { createHmac, hkdfSync, randomInt } from 'node:crypto';

/** Upper-case letters and digits without the look-alikes 0/O, 1/I/L. */
export const REFERRAL_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const REFERRAL_CODE_LENGTH = 6;
export const REFERRAL_CODE_PATTERN = /^[A-Za-z0-9]{6}$/;

export function generateReferralCode(): string {
  let code = '';
  for (let i = 0; i < REFERRAL_CODE_LENGTH; i++) {
    code += REFERRAL_CODE_ALPHABET[randomInt(REFERRAL_CODE_ALPHABET.length)];
  }
  return code;
}

/** Codes compare case-insensitively: they are stored and looked up upper-case. */
export function normalizeReferralCode(input: string): string {
  return input.trim().toUpperCase();
}

/** The key of referred phones' fingerprints, derived from the root secret for this purpose alone. */
export function deriveReferredPhoneKey(rootSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', rootSecret, 'referral-service', 'referred-phone-v1', 32));
}

/**
 * A keyed hash of a phone number that was counted as a referral: the number
 * cannot be read back from it, and it outlives the account, so the same person
 * deleted and signed up again is never counted twice (SPEC section 11).
 */
export function referredPhoneFingerprint(key: Buffer, e164: string): Buffer {
  return createHmac('sha256', key).update(e164).digest();
}
