import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CountryCode } from 'libphonenumber-js';
import { IsOptional, IsString, Matches, MinLength } from 'class-validator';
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
  JWT_SECRET: {
    group,
    meaning:
      'signs access tokens (its id is their `kid`); the API needs it, the worker does not; in production 32+ bytes of real randomness',
    default: 'generated into DATA_DIR outside production',
  },
  JWT_PREVIOUS_SECRETS: {
    group,
    meaning: 'comma-separated: earlier JWT_SECRETs whose tokens still verify (a rotation signs nobody out)',
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
    /** JWT_SECRET (null in a worker without it) and JWT_PREVIOUS_SECRETS, which only verify. */
    keys: { current: string | null; previous: string[] };
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
    if (!v.JWT_SECRET && role === 'api') problem('JWT_SECRET', 'is required when NODE_ENV=production');
    if (!v.OTP_SECRET)
      problem('OTP_SECRET', 'is required when NODE_ENV=production (a secret of its own, not JWT_SECRET)');
    const strong = (variable: string, secret: string | undefined) => {
      if (secret === undefined) return;
      if (Buffer.byteLength(secret) < 32) problem(variable, 'must be at least 32 bytes in production');
      else if (estimatedBits(secret) < MIN_SECRET_BITS) {
        problem(variable, 'looks guessable (repeated or few distinct characters): use `openssl rand -base64 48`');
      }
    };
    strong('JWT_SECRET', v.JWT_SECRET);
    strong('OTP_SECRET', v.OTP_SECRET);
    if (v.OTP_SECRET && v.OTP_SECRET === v.JWT_SECRET)
      problem('OTP_SECRET', 'must differ from JWT_SECRET: one key, one purpose');
  }

  return {
    generate() {
      const jwtSecret = v.JWT_SECRET ?? (isProduction ? undefined : readOrCreateSecret(dataDir, 'jwt-secret'));
      const otpSecret = v.OTP_SECRET ?? (isProduction ? undefined : readOrCreateSecret(dataDir, 'otp-secret'));
      return {
        jwt: {
          keys: { current: jwtSecret ?? null, previous: jwtPrevious },
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
        users: { renamesPerHour: 5 },
        adminPhoneNumbers,
        defaultPhoneRegion: safeRegion,
      };
    },
  };
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
