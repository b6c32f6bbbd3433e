import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CountryCode } from 'libphonenumber-js';
import { normalizePhoneNumber, isPhoneRegion } from '../phone-number.js';
import { parseTestNumbers } from '../otp.js';
import { runningEmbeddedDatabaseUrl } from './embedded-database.js';
import { validateEnvironment, type EnvironmentProblem } from './environment.js';

export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

/** Raised when the environment is unusable; its message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: EnvironmentProblem[]) {
    super(
      'Invalid configuration:\n' + problems.map(({ variable, problem }) => `  - ${variable}: ${problem}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/**
 * The validated settings of both processes. The class doubles as the Nest
 * injection token, so services ask for `AppConfig` and get typed values.
 */
export class AppConfig {
  nodeEnv: NodeEnv;
  isProduction: boolean;
  dataDir: string;
  http: {
    host: string;
    port: number;
    trustProxy: boolean | number | string[];
    corsOrigins: string[];
    bodyLimitBytes: number;
  };
  database: { url: string; poolSize: number; migrateAtStart: boolean };
  /** Redis, when REDIS_URL is set; without it the queue and the per-IP limits live in PostgreSQL. */
  redis: { url: string | null; keyPrefix: string };
  queue: { backend: 'redis' | 'postgres' };
  jwt: { secret: string; issuer: string; audience: string; accessTtlSeconds: number; refreshTtlSeconds: number };
  otp: {
    ttlSeconds: number;
    resendSeconds: number;
    perHour: number;
    maxAttemptsPerCode: number;
    lockAfterFailures: number;
    lockSeconds: number;
    testNumbers: ReadonlyMap<string, string>;
  };
  rateLimits: { signupPerIp: RateLimit; verifyPerIp: RateLimit };
  sms: { transport: 'simulated' | 'webhook'; webhookUrl: string | null; delayMs: { min: number; max: number } };
  adminPhoneNumbers: ReadonlySet<string>;
  defaultPhoneRegion: CountryCode;
  queueDashboard: { user: string; password: string } | null;
  worker: { concurrency: number };
  logLevel: LogLevel;
}

/**
 * Reads and validates the environment. Throws ConfigError naming each bad or
 * missing variable; the processes print it and exit before doing anything else.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const { values: v, problems } = validateEnvironment(env);
  const problem = (variable: string, text: string) => problems.push({ variable, problem: text });

  const nodeEnv = v.NODE_ENV as NodeEnv;
  const isProduction = nodeEnv === 'production';
  const dataDir = resolve(v.DATA_DIR);

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

  const smsTransport = (v.SMS_TRANSPORT ?? (isProduction ? 'webhook' : 'simulated')) as 'simulated' | 'webhook';
  if (smsTransport === 'simulated' && isProduction) {
    problem('SMS_TRANSPORT', 'the simulated transport is refused when NODE_ENV=production; use webhook');
  }
  if (smsTransport === 'webhook' && !v.SMS_WEBHOOK_URL) {
    problem('SMS_WEBHOOK_URL', 'is required when SMS_TRANSPORT=webhook');
  }

  const [delayMin, delayMax] = parseRange(v.SMS_DELAY_MS);
  if (delayMin > delayMax) problem('SMS_DELAY_MS', 'the range must go from low to high');

  let jwtSecret = v.JWT_SECRET;
  if (isProduction) {
    if (!jwtSecret) problem('JWT_SECRET', 'is required when NODE_ENV=production');
    else if (Buffer.byteLength(jwtSecret) < 32) problem('JWT_SECRET', 'must be at least 32 bytes in production');
  }

  const dashboardUser = v.QUEUE_DASHBOARD_USER;
  const dashboardPassword = v.QUEUE_DASHBOARD_PASSWORD;
  if (Boolean(dashboardUser) !== Boolean(dashboardPassword)) {
    problem(
      dashboardUser ? 'QUEUE_DASHBOARD_PASSWORD' : 'QUEUE_DASHBOARD_USER',
      'QUEUE_DASHBOARD_USER and QUEUE_DASHBOARD_PASSWORD are set together or not at all',
    );
  }
  if (isProduction && dashboardPassword && dashboardPassword.length < 12) {
    problem('QUEUE_DASHBOARD_PASSWORD', 'must be at least 12 characters in production');
  }

  // Without DATABASE_URL: the embedded PostgreSQL that `make run` keeps in DATA_DIR.
  const databaseUrl = v.DATABASE_URL ?? runningEmbeddedDatabaseUrl(dataDir);
  if (!databaseUrl) {
    problem(
      'DATABASE_URL',
      'is unset and no embedded PostgreSQL is running in DATA_DIR: `make run` starts one, or set DATABASE_URL',
    );
  }

  const port = Number(v.PORT);
  if (port > 65535) problem('PORT', 'must be at most 65535');

  if (problems.length > 0) throw new ConfigError(problems);

  // Outside production a missing secret is generated once and kept in the data folder,
  // so tokens survive restarts and the API and the worker share it.
  jwtSecret ??= readOrCreateSecret(dataDir);

  const config = new AppConfig();
  Object.assign(config, {
    nodeEnv,
    isProduction,
    dataDir,
    http: {
      host: v.HOST ?? (isProduction ? '0.0.0.0' : '127.0.0.1'),
      port,
      trustProxy: parseTrustProxy(v.TRUST_PROXY),
      corsOrigins: splitList(v.CORS_ORIGINS),
      bodyLimitBytes: 16 * 1024,
    },
    database: {
      url: databaseUrl ?? '',
      poolSize: Number(v.DATABASE_POOL_SIZE),
      migrateAtStart: !isProduction,
    },
    redis: { url: v.REDIS_URL ?? null, keyPrefix: v.REDIS_KEY_PREFIX },
    queue: { backend: v.REDIS_URL ? 'redis' : 'postgres' },
    jwt: {
      secret: jwtSecret,
      issuer: v.JWT_ISSUER,
      audience: v.JWT_AUDIENCE,
      accessTtlSeconds: 15 * 60,
      refreshTtlSeconds: Number(v.REFRESH_TOKEN_TTL_SECONDS),
    },
    otp: {
      ttlSeconds: Number(v.CODE_TTL_SECONDS),
      resendSeconds: Number(v.CODE_RESEND_SECONDS),
      perHour: Number(v.CODES_PER_HOUR),
      maxAttemptsPerCode: 5,
      lockAfterFailures: 10,
      lockSeconds: 15 * 60,
      testNumbers,
    },
    rateLimits: { signupPerIp: parseRate(v.SIGNUP_IP_RATE_LIMIT), verifyPerIp: parseRate(v.VERIFY_IP_RATE_LIMIT) },
    sms: { transport: smsTransport, webhookUrl: v.SMS_WEBHOOK_URL ?? null, delayMs: { min: delayMin, max: delayMax } },
    adminPhoneNumbers,
    defaultPhoneRegion: safeRegion,
    queueDashboard: dashboardUser && dashboardPassword ? { user: dashboardUser, password: dashboardPassword } : null,
    worker: { concurrency: Number(v.WORKER_CONCURRENCY) },
    logLevel: v.LOG_LEVEL as LogLevel,
  } satisfies AppConfig);
  return config;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function parseRange(value: string): [number, number] {
  const [low, high = low] = value.split('-').map(Number);
  return [low, high];
}

function parseRate(value: string): RateLimit {
  const [limit, windowSeconds] = value.split('/').map(Number);
  return { limit, windowSeconds };
}

function parseTrustProxy(value: string): boolean | number | string[] {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return splitList(value);
}

function readOrCreateSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
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
