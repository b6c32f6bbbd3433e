import { hkdfSync } from 'node:crypto';
import { deriveOtpKeys, hashOtp, otpMatches, sealOtp, unsealOtp, type OtpKeys } from './otp.js';
import { deriveReferredPhoneKey, referredPhoneFingerprint } from './referral-code.js';

/** The code keys' secrets, as the settings hold them (OTP_SECRET, OTP_PREVIOUS_SECRETS, legacy JWT secrets). */
export interface OtpKeySettings {
  current: string;
  previous: string[];
  legacy: string[];
}

/** Bytes of a key id, as stored in front of a code's hash and sealed box. */
export const KEY_ID_BYTES = 6;

/**
 * A secret's id: 6 bytes derived from it by HKDF (48 bits of a one-way output:
 * nothing of the secret can be read back), `kid` of a token in base64url. Ids
 * need no setting of their own: a new secret is a new id.
 */
export function keyIdOf(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'referral-service', 'key-id-v1', KEY_ID_BYTES));
}

/**
 * How many bits of guessing a secret is worth, roughly: Shannon's measure of
 * how its characters are spread, times how many of them are new, counted as
 * distinct runs of three (repeating a short piece adds nothing). 32 × "a" is 0
 * bits, "abcd" sixteen times 12, "password" eight times 27; 43 random base64url
 * characters about 220, 64 random hex digits about 240.
 */
export function estimatedBits(secret: string): number {
  const chars = [...secret];
  const counts = new Map<string, number>();
  for (const char of chars) counts.set(char, (counts.get(char) ?? 0) + 1);
  let perChar = 0;
  for (const count of counts.values()) perChar -= (count / chars.length) * Math.log2(count / chars.length);
  const runs = new Set<string>();
  for (let i = 0; i + 3 <= chars.length; i++) runs.add(chars.slice(i, i + 3).join(''));
  return perChar * Math.min(chars.length, runs.size + 2);
}

/** Production refuses a secret worth fewer bits than this (`openssl rand -hex 16` is about 115). */
export const MIN_SECRET_BITS = 100;

interface OtpKey extends OtpKeys {
  /** null: the keys derived from JWT_SECRET before OTP_SECRET existed, whose codes carry no id. */
  id: Buffer | null;
}

/**
 * The keys codes are hashed and sealed with (SPEC section 11), from OTP_SECRET
 * (current) and OTP_PREVIOUS_SECRETS. A hash is stored as `id | HMAC` and a
 * sealed box as `id | iv | tag | ciphertext`, so a code made under any listed
 * secret is checked and opened with its own key: a rotation (a new OTP_SECRET,
 * the old one moved to OTP_PREVIOUS_SECRETS) loses no code in flight. A hash of
 * 32 bytes and a box of 32 bytes carry no id: they were made from JWT_SECRET
 * before this scheme (`legacy`), and are checked and opened with keys derived
 * from it while a process still has it.
 */
export class OtpKeyRing {
  private static readonly built = new WeakMap<OtpKeySettings, OtpKeyRing>();

  /** The process's ring for its settings, derived once whichever service asks first (sign-in, referrals, delivery). */
  static of(config: { otp: { keys: OtpKeySettings } }): OtpKeyRing {
    let ring = OtpKeyRing.built.get(config.otp.keys);
    if (!ring) {
      const { current, previous, legacy } = config.otp.keys;
      ring = new OtpKeyRing(current, previous, legacy);
      OtpKeyRing.built.set(config.otp.keys, ring);
    }
    return ring;
  }

  private readonly current: OtpKey & { id: Buffer };
  private readonly byId = new Map<string, OtpKey>();
  private readonly legacy: OtpKey | null;
  /** Every key referred phones may have been fingerprinted with, the current one first. */
  private readonly phoneKeys: Buffer[];

  constructor(current: string, previous: string[], legacyRoots: string[]) {
    const key = (secret: string) => ({ id: keyIdOf(secret), ...deriveOtpKeys(secret) });
    this.current = key(current);
    for (const secret of [current, ...previous]) {
      const listed = key(secret);
      this.byId.set(listed.id.toString('hex'), listed);
    }
    this.legacy = legacyRoots[0] ? { id: null, ...deriveOtpKeys(legacyRoots[0]) } : null;
    this.phoneKeys = [current, ...previous, ...legacyRoots].map((secret) => deriveReferredPhoneKey(secret));
  }

  /** The current key's id, in text. */
  get currentId(): string {
    return this.current.id.toString('base64url');
  }

  /** What PostgreSQL keeps of a code: the current key's id, then HMAC(key, request, phone, code). */
  hash(requestId: string, phoneNumber: string, code: string): Buffer {
    return Buffer.concat([this.current.id, hashOtp(this.current.hashKey, requestId, phoneNumber, code)]);
  }

  /**
   * Whether the code is the one whose hash was stored, under whichever listed
   * key made it; false for a key no longer listed (its codes expired long ago).
   * The HMAC is computed in every case, so the time says nothing either way.
   */
  matches(stored: Buffer, requestId: string, phoneNumber: string, code: string): boolean {
    const withId = stored.length === KEY_ID_BYTES + 32;
    const key = withId ? this.byId.get(stored.subarray(0, KEY_ID_BYTES).toString('hex')) : this.legacy;
    const hash = withId ? stored.subarray(KEY_ID_BYTES) : stored;
    const matched = otpMatches((key ?? this.current).hashKey, hash, requestId, phoneNumber, code);
    return matched && key !== undefined && key !== null;
  }

  /** The code sealed for the worker with the current key: `id | iv | tag | ciphertext`. */
  seal(requestId: string, code: string): Buffer {
    return Buffer.concat([this.current.id, sealOtp(this.current.sealKey, requestId, code)]);
  }

  /** Opens a sealed code with the key that sealed it; throws for an unknown key or an altered box. */
  unseal(requestId: string, sealed: Buffer): string {
    // A box without id (legacy) is iv | tag | 4 digits: 32 bytes.
    if (sealed.length === 32) {
      if (!this.legacy) throw new Error('a code sealed before OTP_SECRET, and JWT_SECRET is not set here');
      return unsealOtp(this.legacy.sealKey, requestId, sealed);
    }
    const key = this.byId.get(sealed.subarray(0, KEY_ID_BYTES).toString('hex'));
    if (!key)
      throw new Error(
        `a code sealed with key ${sealed.subarray(0, KEY_ID_BYTES).toString('base64url')}, which is not in OTP_SECRET or OTP_PREVIOUS_SECRETS`,
      );
    return unsealOtp(key.sealKey, requestId, sealed.subarray(KEY_ID_BYTES));
  }

  /** A referred phone's fingerprints: under the current key (the one recorded), then every other it may carry. */
  phoneFingerprints(e164: string): Buffer[] {
    return this.phoneKeys.map((key) => referredPhoneFingerprint(key, e164));
  }
}
