import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CountryCode } from 'libphonenumber-js';
import { IsIn, IsOptional, IsString, Matches, MinLength } from 'class-validator';
import {
  estimatedBits,
  isPhoneRegion,
  MIN_SECRET_BITS,
  normalizePhoneNumber,
  parseTestNumbers,
  type OtpKeySettings,
} from '@app/domain';
import { type FeatureContext, GROUPS, type HelpOf, INTEGER, POSITIVE, splitList } from './shared.js';

/** Sign-in and tokens: the keys, the codes' limits, the admins and the fixed-code test numbers. */
export class AuthSettings {
  @IsIn(['EdDSA', 'ES256'])
  JWT_ALGORITHM = 'EdDSA';

  @IsOptional()
  @MinLength(16)
  KEY_ENCRYPTION_SECRET?: string;

  @Matches(INTEGER)
  JWT_KEY_PUBLISH_SECONDS = '600';

  @Matches(POSITIVE)
  SESSION_MAX_AGE_SECONDS = String(90 * 24 * 3600);

  @Matches(POSITIVE)
  PHONE_CHANGE_REAUTH_SECONDS = '600';

  @IsOptional()
  @MinLength(16)
  JWT_SECRET?: string;

  @IsOptional()
  @IsString()
  JWT_PREVIOUS_SECRETS?: string;

  @IsOptional()
  @MinLength(16)
  OTP_SECRET?: string;

  @IsOptional()
  @IsString()
  OTP_PREVIOUS_SECRETS?: string;

  @IsString()
  @MinLength(1)
  JWT_ISSUER = 'referral-service';

  @IsString()
  @MinLength(1)
  JWT_AUDIENCE = 'referral-api';

  @Matches(INTEGER)
  REFRESH_TOKEN_TTL_SECONDS = String(30 * 24 * 3600);

  @IsString()
  ADMIN_PHONE_NUMBERS = '';

  @IsString()
  OTP_TEST_NUMBERS = '';

  @Matches(POSITIVE)
  CODE_TTL_SECONDS = '300';

  @Matches(INTEGER)
  CODE_RESEND_SECONDS = '60';

  @Matches(POSITIVE)
  CODES_PER_HOUR = '5';

  @Matches(/^[A-Z]{2}$/, { message: 'DEFAULT_PHONE_REGION must be a two-letter region code such as RU' })
  DEFAULT_PHONE_REGION = 'RU';
}

const group = GROUPS.auth;
export const AUTH_HELP: HelpOf<AuthSettings> = {
  JWT_ALGORITHM: {
    group,
    meaning:
      'how new signing keys sign access tokens: EdDSA (Ed25519) or ES256; keys made before a change keep verifying until they leave the set',
  },
  KEY_ENCRYPTION_SECRET: {
    group,
    meaning:
      'seals the private signing keys kept in PostgreSQL (AES-256-GCM); the API and `npm run keys` need it, the worker does not; in production 32+ bytes of real randomness',
    default: 'generated into DATA_DIR outside production',
  },
  JWT_KEY_PUBLISH_SECONDS: {
    group,
    meaning:
      'how long a key made by `npm run keys -- rotate` is in the JWKS before it signs, so verifiers that cache the set (up to this long) know it first',
  },
  SESSION_MAX_AGE_SECONDS: {
    group,
    meaning: 'the absolute lifetime of a session (90 days): no refresh after it, however recently it was used',
  },
  PHONE_CHANGE_REAUTH_SECONDS: {
    group,
    meaning: 'a phone change needs a sign-in within this many seconds (10 minutes)',
  },
  JWT_SECRET: {
    group,
    meaning:
      'legacy: access tokens are signed by the signing keys now; before OTP_SECRET, JWT_SECRET keyed the codes and the fingerprints of referred phones: keep it set while referrals counted back then must stay counted',
  },
  JWT_PREVIOUS_SECRETS: {
    group,
    meaning: 'legacy: comma-separated earlier JWT_SECRETs, the same way',
  },
  OTP_SECRET: {
    group,
    meaning:
      'the root of the keys codes are hashed and sealed with (and referred phones fingerprinted); API and worker; in production 32+ bytes of real randomness, not JWT_SECRET',
    default: 'generated into DATA_DIR outside production',
  },
  OTP_PREVIOUS_SECRETS: {
    group,
    meaning: 'comma-separated: earlier OTP_SECRETs whose codes in flight still verify and deliver',
  },
  JWT_ISSUER: { group, meaning: 'the `iss` of access tokens' },
  JWT_AUDIENCE: { group, meaning: 'the `aud` of access tokens' },
  REFRESH_TOKEN_TTL_SECONDS: { group, meaning: 'how long a refresh token lives (30 days)' },
  ADMIN_PHONE_NUMBERS: { group, meaning: 'phone numbers whose users are admins, comma-separated' },
  OTP_TEST_NUMBERS: {
    group,
    meaning:
      '+79990000000:1234,…: fixed codes for demos and monitoring, never sent to a gateway; no admin in production',
  },
  CODE_TTL_SECONDS: { group, meaning: 'how long a code can be used' },
  CODE_RESEND_SECONDS: { group, meaning: 'the wait before another code to the same number' },
  CODES_PER_HOUR: { group, meaning: 'codes per number per rolling hour' },
  DEFAULT_PHONE_REGION: { group, meaning: 'the region of numbers written in national format' },
};

export interface AuthConfig {
  jwt: {
    /** The algorithm of keys made from now on. */
    algorithm: 'EdDSA' | 'ES256';
    /** Seals the private signing keys; null in a worker, which signs nothing. */
    keyEncryptionSecret: string | null;
    /** Seconds a rotated-in key is published before it signs. */
    publishAheadSeconds: number;
    issuer: string;
    audience: string;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
  };
  otp: {
    /** OTP_SECRET, OTP_PREVIOUS_SECRETS, and the token secrets codes and fingerprints were keyed by before them. */
    keys: OtpKeySettings;
    ttlSeconds: number;
    resendSeconds: number;
    perHour: number;
    maxAttemptsPerCode: number;
    lockAfterFailures: number;
    /** Each lock's length in seconds: the first lock takes the first, each within a day of the last the next. */
    lockSteps: number[];
    /** Wrong codes per number in any `failureWindowSeconds`, whatever succeeded between (NIST SP 800-63B: 100). */
    failuresPerWindow: number;
    /** The same for a fixed-code test number, whose code never changes. */
    testNumberFailuresPerWindow: number;
    failureWindowSeconds: number;
    testNumbers: ReadonlyMap<string, string>;
  };
  sessions: { maxAgeSeconds: number };
  /** A phone change needs a sign-in at most this long ago. */
  phoneChange: { reauthSeconds: number };
  /** Renames of one user per rolling hour (PATCH /users/{username}/), so usernames cannot be probed by renaming. */
  users: { renamesPerHour: number };
  adminPhoneNumbers: ReadonlySet<string>;
  defaultPhoneRegion: CountryCode;
}

/**
 * The sign-in settings, checked. Outside production a missing secret is taken
 * from DATA_DIR or generated there, once the whole configuration is known to be
 * good (`generate`), so tokens and codes survive restarts and the API and the
 * worker share them.
 */
export function authConfig(
  v: AuthSettings,
  { isProduction, role, dataDir, problem }: FeatureContext,
): { generate(): AuthConfig } {
  const region = v.DEFAULT_PHONE_REGION;
  if (!isPhoneRegion(region)) problem('DEFAULT_PHONE_REGION', `"${region}" is not a region libphonenumber knows`);
  const safeRegion: CountryCode = isPhoneRegion(region) ? region : 'RU';

  const phones = (variable: string, list: string[]) =>
    list.flatMap((raw) => {
      try {
        return [normalizePhoneNumber(raw, safeRegion)];
      } catch {
        problem(variable, `"${raw}" is not a valid mobile number`);
        return [];
      }
    });
  const adminPhoneNumbers = new Set(phones('ADMIN_PHONE_NUMBERS', splitList(v.ADMIN_PHONE_NUMBERS)));
  const testNumbers = new Map<string, string>();
  try {
    for (const { phone, code } of parseTestNumbers(v.OTP_TEST_NUMBERS)) {
      for (const normalized of phones('OTP_TEST_NUMBERS', [phone])) testNumbers.set(normalized, code);
    }
  } catch (error) {
    problem('OTP_TEST_NUMBERS', (error as Error).message);
  }
  if (isProduction) {
    // A fixed code is 10,000 guesses from an account: never one that administers the others.
    const adminTestNumbers = [...testNumbers.keys()].filter((phone) => adminPhoneNumbers.has(phone));
    if (adminTestNumbers.length > 0) {
      problem(
        'OTP_TEST_NUMBERS',
        `${adminTestNumbers.join(', ')} is also in ADMIN_PHONE_NUMBERS: a fixed-code number cannot be an admin in production`,
      );
    }
  }

  const jwtPrevious = splitList(v.JWT_PREVIOUS_SECRETS ?? '');
  const otpPrevious = splitList(v.OTP_PREVIOUS_SECRETS ?? '');
  if (isProduction) {
    // The worker holds no token key: it needs OTP_SECRET alone.
    if (!v.KEY_ENCRYPTION_SECRET && role === 'api')
      problem('KEY_ENCRYPTION_SECRET', 'is required when NODE_ENV=production (it seals the token signing keys)');
    if (!v.OTP_SECRET)
      problem('OTP_SECRET', 'is required when NODE_ENV=production (a secret of its own, not JWT_SECRET)');
    const strong = (variable: string, secret: string | undefined) => {
      if (secret === undefined) return;
      if (Buffer.byteLength(secret) < 32) problem(variable, 'must be at least 32 bytes in production');
      else if (estimatedBits(secret) < MIN_SECRET_BITS) {
        problem(variable, 'looks guessable (repeated or few distinct characters): use `openssl rand -base64 48`');
      }
    };
    strong('KEY_ENCRYPTION_SECRET', v.KEY_ENCRYPTION_SECRET);
    strong('JWT_SECRET', v.JWT_SECRET);
    strong('OTP_SECRET', v.OTP_SECRET);
    if (v.OTP_SECRET && v.OTP_SECRET === v.JWT_SECRET)
      problem('OTP_SECRET', 'must differ from JWT_SECRET: one key, one purpose');
    if (v.KEY_ENCRYPTION_SECRET && v.KEY_ENCRYPTION_SECRET === v.OTP_SECRET)
      problem('KEY_ENCRYPTION_SECRET', 'must differ from OTP_SECRET: one key, one purpose');
  }

  return {
    generate() {
      // Before signing keys, JWT_SECRET (generated into DATA_DIR outside production) also keyed the codes.
      const jwtSecret = v.JWT_SECRET ?? (isProduction ? undefined : readSecret(dataDir, 'jwt-secret'));
      const keyEncryptionSecret =
        v.KEY_ENCRYPTION_SECRET ??
        (isProduction || role !== 'api' ? undefined : readOrCreateSecret(dataDir, 'key-encryption-secret'));
      const otpSecret = v.OTP_SECRET ?? (isProduction ? undefined : readOrCreateSecret(dataDir, 'otp-secret'));
      return {
        jwt: {
          algorithm: v.JWT_ALGORITHM as 'EdDSA' | 'ES256',
          keyEncryptionSecret: keyEncryptionSecret ?? null,
          publishAheadSeconds: Number(v.JWT_KEY_PUBLISH_SECONDS),
          issuer: v.JWT_ISSUER,
          audience: v.JWT_AUDIENCE,
          accessTtlSeconds: 15 * 60,
          refreshTtlSeconds: Number(v.REFRESH_TOKEN_TTL_SECONDS),
        },
        otp: {
          // Codes and fingerprints made before OTP_SECRET were keyed by the token secret of the time.
          keys: { current: otpSecret!, previous: otpPrevious, legacy: jwtSecret ? [jwtSecret, ...jwtPrevious] : [] },
          ttlSeconds: Number(v.CODE_TTL_SECONDS),
          resendSeconds: Number(v.CODE_RESEND_SECONDS),
          perHour: Number(v.CODES_PER_HOUR),
          maxAttemptsPerCode: 5,
          lockAfterFailures: 10,
          lockSteps: [15 * 60, 3600, 24 * 3600],
          failuresPerWindow: 100,
          testNumberFailuresPerWindow: 10,
          failureWindowSeconds: 24 * 3600,
          testNumbers,
        },
        sessions: { maxAgeSeconds: Number(v.SESSION_MAX_AGE_SECONDS) },
        phoneChange: { reauthSeconds: Number(v.PHONE_CHANGE_REAUTH_SECONDS) },
        users: { renamesPerHour: 5 },
        adminPhoneNumbers,
        defaultPhoneRegion: safeRegion,
      };
    },
  };
}

function readSecret(dataDir: string, name: string): string | undefined {
  try {
    return readFileSync(join(dataDir, name), 'utf8').trim();
  } catch {
    return undefined;
  }
}

function readOrCreateSecret(dataDir: string, name: string): string {
  const file = join(dataDir, name);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(dataDir, { recursive: true });
    // Written whole to a private file, then linked into place: a process starting at the
    // same moment either sees no file or a complete one, and only one secret ever wins.
    const draft = `${file}.${process.pid}.tmp`;
    writeFileSync(draft, randomBytes(48).toString('base64url'), { mode: 0o600 });
    try {
      linkSync(draft, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(draft);
    }
    return readFileSync(file, 'utf8').trim();
  }
}
