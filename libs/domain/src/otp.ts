import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  randomInt,
  timingSafeEqual,
} from 'node:crypto';

export const OTP_LENGTH = 4;
export const OTP_PATTERN = /^\d{4}$/;

/** A 4-digit code from the operating system's cryptographic random source. */
export function generateOtp(): string {
  return randomInt(0, 10 ** OTP_LENGTH)
    .toString()
    .padStart(OTP_LENGTH, '0');
}

export interface OtpKeys {
  /** HMAC key: what PostgreSQL keeps of a code is HMAC(hashKey, request, phone, code). */
  hashKey: Buffer;
  /** AES-256-GCM key that seals the code for the worker until it is delivered. */
  sealKey: Buffer;
}

/** Derives independent keys from the root secret, so no key is used for two purposes. */
export function deriveOtpKeys(rootSecret: string): OtpKeys {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', rootSecret, 'referral-service', info, 32));
  return { hashKey: derive('otp-hash-v1'), sealKey: derive('otp-seal-v1') };
}

export function hashOtp(key: Buffer, requestId: string, phoneNumber: string, code: string): Buffer {
  return createHmac('sha256', key).update(`${requestId}\0${phoneNumber}\0${code}`).digest();
}

/** Constant-time comparison of a submitted code with the stored hash. */
export function otpMatches(
  key: Buffer,
  storedHash: Buffer,
  requestId: string,
  phoneNumber: string,
  code: string,
): boolean {
  const candidate = hashOtp(key, requestId, phoneNumber, code);
  return candidate.length === storedHash.length && timingSafeEqual(candidate, storedHash);
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Encrypts the code, bound to its request id, as iv | tag | ciphertext. */
export function sealOtp(key: Buffer, requestId: string, code: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(requestId));
  const ciphertext = Buffer.concat([cipher.update(code, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
}

/** Decrypts a sealed code; throws when the box was altered or belongs to another request. */
export function unsealOtp(key: Buffer, requestId: string, sealed: Buffer): string {
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(requestId));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
}

/**
 * Parses OTP_TEST_NUMBERS: `+79990000000:1234,+79990000001:0000`. Returns the
 * map of raw number to code; numbers are normalised by the caller.
 */
export function parseTestNumbers(value: string): Array<{ phone: string; code: string }> {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry) => {
      const separator = entry.lastIndexOf(':');
      if (separator <= 0) throw new Error(`"${entry}" is not of the form +number:code`);
      const phone = entry.slice(0, separator).trim();
      const code = entry.slice(separator + 1).trim();
      if (!OTP_PATTERN.test(code)) throw new Error(`the code of "${phone}" must be ${OTP_LENGTH} digits`);
      return { phone, code };
    });
}

/** The settings a number's sign-in policy reads (AppConfig's `otp` has them). */
export interface PhonePolicySettings {
  testNumbers: ReadonlyMap<string, string>;
  failuresPerWindow: number;
  testNumberFailuresPerWindow: number;
  failureWindowSeconds: number;
}

/** What a number's sign-in is held to. */
export interface PhonePolicy {
  /** A fixed-code test number's code (OTP_TEST_NUMBERS); undefined for every other number. */
  fixedCode: string | undefined;
  /**
   * A test number: its code never goes to a real gateway (the worker marks it
   * delivered), so the country rules and the SMS budgets leave it be (the API),
   * and it skips the cooldown and the hourly cap (request_code's `exempt`), as a
   * monitor signing in every minute needs. The per-IP limits and the locks hold.
   */
  exempt: boolean;
  /** The rolling ceiling of wrong codes: a test number's code never changes, so its ceiling is the lock's size. */
  window: { failuresPerWindow: number; windowSeconds: number };
}

/** The one place a number's exemption is decided; the API, PostgreSQL (through `exempt`) and the worker follow it. */
export function phonePolicy(phoneNumber: string, settings: PhonePolicySettings): PhonePolicy {
  const fixedCode = settings.testNumbers.get(phoneNumber);
  const exempt = fixedCode !== undefined;
  return {
    fixedCode,
    exempt,
    window: {
      failuresPerWindow: exempt ? settings.testNumberFailuresPerWindow : settings.failuresPerWindow,
      windowSeconds: settings.failureWindowSeconds,
    },
  };
}
