import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CountryCode } from 'libphonenumber-js';
import {
  estimatedBits,
  isPhoneRegion,
  messageProblem,
  MIN_SECRET_BITS,
  normalizePhoneNumber,
  parseTestNumbers,
  webhookSecretKey,
  type MessageSettings,
  type OtpKeySettings,
} from '@app/domain';
import { addressList } from './address-list.js';
import { runningEmbeddedDatabaseUrl } from './embedded-database.js';
import { outboundUrlProblem } from './outbound-urls.js';
import { validateEnvironment, type EnvironmentProblem, type EnvironmentVariables } from './environment.js';

export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export const TRANSPORT_NAMES = ['simulated', 'webhook', 'twilio', 'vonage', 'smsru'] as const;
export type TransportName = (typeof TRANSPORT_NAMES)[number];

/** Standard Webhooks' schedule: after the first attempt, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h. */
export const EVENTS_RETRY_SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 36000];

/** The SMS pumping budgets' defaults in production (SPEC section 7); outside production they are off. */
export const PRODUCTION_BUDGETS = { perHour: 10_000, perCountryPerHour: 2_000, perBlockPerHour: 30 };

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

/** A Redis Cluster's seed nodes, and what every connection to its nodes needs (credentials, TLS). */
export interface RedisClusterConfig {
  nodes: Array<{ host: string; port: number }>;
  username?: string;
  password?: string;
  tls: boolean;
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
    /** Where people reach the page: invite links are `{publicUrl}/?ref={code}`. */
    publicUrl: string;
    /** Seconds between SIGTERM (readiness 503 from then on) and the close. */
    shutdownDelaySeconds: number;
  };
  /** Where `/metrics` is served; `port` null: the process's own default (API 9464, worker 9465); 0: off. */
  metrics: { host: string; port: number | null };
  database: {
    url: string;
    /** For migrations and anything that needs a session (the queue on PostgreSQL): DATABASE_DIRECT_URL, else `url`. */
    directUrl: string;
    /** `transaction`: `url` is a pooler in transaction mode, so no named prepared statements and no session state. */
    pooler: 'transaction' | null;
    poolSize: number;
    migrateAtStart: boolean;
  };
  /**
   * Redis, when REDIS_URL or REDIS_CLUSTER_NODES is set; without either the
   * queue and the per-IP limits live in PostgreSQL.
   */
  redis: { url: string | null; cluster: RedisClusterConfig | null; keyPrefix: string };
  queue: {
    backend: 'redis' | 'postgres';
    /** Failed code-delivery jobs kept for inspection, newest first (each at most 14 days). */
    keepFailed: number;
  };
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
  rateLimits: { signupPerIp: RateLimit; verifyPerIp: RateLimit; tokenPerIp: RateLimit };
  sms: {
    /** Tried in this order for each message: the next one when one fails. */
    transports: TransportName[];
    webhookUrl: string | null;
    /** The decoded key of SMS_WEBHOOK_SECRET: every webhook request is signed. */
    webhookSecret: Buffer | null;
    /** Besides loopback, the connections (socket addresses or CIDRs) the simulated inbox answers. */
    inboxFrom: string[];
    delayMs: { min: number; max: number };
    /** How long a gateway (or the webhook) has to answer once the request went out. */
    gatewayTimeoutMs: number;
    twilio: {
      accountSid: string;
      authToken: string;
      from: string | null;
      messagingServiceSid: string | null;
      apiUrl: string;
    } | null;
    vonage: { apiKey: string; apiSecret: string; from: string; apiUrl: string } | null;
    smsru: { apiId: string; from: string | null; apiUrl: string } | null;
    message: MessageSettings;
  };
  /** The defences against SMS pumping: countries, and budgets of codes per rolling hour (null: none). */
  pumping: {
    countriesAllowed: ReadonlySet<string> | null;
    countriesDenied: ReadonlySet<string>;
    perHour: number | null;
    perCountryPerHour: number | null;
    perBlockPerHour: number | null;
  };
  /** The host app's webhook for referral events (null: events are kept in the outbox, not sent). */
  events: {
    webhookUrl: string | null;
    /** The decoded key of EVENTS_WEBHOOK_SECRET. */
    secret: Buffer | null;
    /** Seconds before each retry, after the first attempt. */
    retrySchedule: number[];
    timeoutMs: number;
  };
  adminPhoneNumbers: ReadonlySet<string>;
  defaultPhoneRegion: CountryCode;
  queueDashboard: { user: string; password: string; write: boolean } | null;
  worker: { concurrency: number };
  logLevel: LogLevel;
  /** `pretty`: one short human line each (a terminal in development); `json`: pino's lines. */
  logFormat: 'json' | 'pretty';
}

/** Which process loads the settings: a worker needs no token key. */
export type ProcessRole = 'api' | 'worker';

/**
 * Reads and validates the environment. Throws ConfigError naming each bad or
 * missing variable; the processes print it and exit before doing anything else.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  role: ProcessRole = 'api',
): AppConfig {
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

  const transports = splitList(v.SMS_TRANSPORT ?? (isProduction ? 'webhook' : 'simulated')) as TransportName[];
  if (new Set(transports).size !== transports.length) problem('SMS_TRANSPORT', 'names a transport twice');
  if (transports.includes('simulated')) {
    if (isProduction) problem('SMS_TRANSPORT', 'the simulated transport is refused when NODE_ENV=production');
    if (transports.length > 1) problem('SMS_TRANSPORT', 'the simulated transport stands alone: it sends nothing');
  }
  const required = (transport: TransportName, variables: string[]) => {
    if (!transports.includes(transport)) return;
    for (const variable of variables) {
      if (!v[variable as keyof typeof v]) problem(variable, `is required when SMS_TRANSPORT includes ${transport}`);
    }
  };
  required('webhook', ['SMS_WEBHOOK_URL', 'SMS_WEBHOOK_SECRET']);
  required('twilio', ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN']);
  if (transports.includes('twilio') && !v.TWILIO_FROM && !v.TWILIO_MESSAGING_SERVICE_SID) {
    problem(
      'TWILIO_FROM',
      'TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required when SMS_TRANSPORT includes twilio',
    );
  }
  required('vonage', ['VONAGE_API_KEY', 'VONAGE_API_SECRET', 'VONAGE_FROM']);
  required('smsru', ['SMSRU_API_ID']);
  const smsWebhookSecret = v.SMS_WEBHOOK_SECRET ? webhookSecretKey(v.SMS_WEBHOOK_SECRET) : null;
  if (smsWebhookSecret && smsWebhookSecret.length < 24) problem('SMS_WEBHOOK_SECRET', 'must hold at least 24 bytes');

  // Production sends codes and events over https only (a sidecar may be allowed plain http).
  if (isProduction) {
    const allowPrivateHttp = v.ALLOW_HTTP_TO_PRIVATE_HOSTS === 'true';
    const used: Array<[string, string | undefined, boolean]> = [
      ['SMS_WEBHOOK_URL', v.SMS_WEBHOOK_URL, transports.includes('webhook')],
      ['TWILIO_API_URL', v.TWILIO_API_URL, transports.includes('twilio')],
      ['VONAGE_API_URL', v.VONAGE_API_URL, transports.includes('vonage')],
      ['SMSRU_API_URL', v.SMSRU_API_URL, transports.includes('smsru')],
      ['EVENTS_WEBHOOK_URL', v.EVENTS_WEBHOOK_URL, true],
    ];
    for (const [variable, url, inUse] of used) {
      const refused = inUse && url ? outboundUrlProblem(url, allowPrivateHttp) : null;
      if (refused) problem(variable, refused);
    }
  }

  const message: MessageSettings = {
    template: v.SMS_TEMPLATE,
    appName: v.APP_NAME,
    webOtpDomain: v.SMS_WEBOTP_DOMAIN ?? null,
    androidAppHash: v.SMS_ANDROID_APP_HASH ?? null,
  };
  const messageError = messageProblem(message, Number(v.CODE_TTL_SECONDS));
  if (messageError) problem('SMS_TEMPLATE', messageError);

  const countries = (variable: string, value: string) =>
    splitList(value).map((country) => {
      const code = country.toUpperCase();
      if (!isPhoneRegion(code)) problem(variable, `"${country}" is not a region libphonenumber knows`);
      return code;
    });
  const allowed = countries('PHONE_COUNTRIES_ALLOWED', v.PHONE_COUNTRIES_ALLOWED);
  const denied = countries('PHONE_COUNTRIES_DENIED', v.PHONE_COUNTRIES_DENIED);
  const both = allowed.filter((country) => denied.includes(country));
  if (both.length > 0) problem('PHONE_COUNTRIES_DENIED', `${both.join(', ')} is both allowed and denied`);
  // Unset: the production default, or none outside production; 0: none.
  const budget = (value: string | undefined, productionDefault: number) => {
    const size = value === undefined ? (isProduction ? productionDefault : 0) : Number(value);
    return size > 0 ? size : null;
  };

  const [delayMin, delayMax] = parseRange(v.SMS_DELAY_MS);
  if (delayMin > delayMax) problem('SMS_DELAY_MS', 'the range must go from low to high');

  let jwtSecret = v.JWT_SECRET;
  let otpSecret = v.OTP_SECRET;
  const jwtPrevious = splitList(v.JWT_PREVIOUS_SECRETS ?? '');
  const otpPrevious = splitList(v.OTP_PREVIOUS_SECRETS ?? '');
  if (isProduction) {
    // The worker holds no token key: it needs OTP_SECRET alone.
    if (!jwtSecret && role === 'api') problem('JWT_SECRET', 'is required when NODE_ENV=production');
    if (!otpSecret) problem('OTP_SECRET', 'is required when NODE_ENV=production (a secret of its own, not JWT_SECRET)');
    const strong = (variable: string, secret: string | undefined) => {
      if (secret === undefined) return;
      if (Buffer.byteLength(secret) < 32) problem(variable, 'must be at least 32 bytes in production');
      else if (estimatedBits(secret) < MIN_SECRET_BITS) {
        problem(variable, 'looks guessable (repeated or few distinct characters): use `openssl rand -base64 48`');
      }
    };
    strong('JWT_SECRET', jwtSecret);
    strong('OTP_SECRET', otpSecret);
    if (otpSecret && otpSecret === jwtSecret)
      problem('OTP_SECRET', 'must differ from JWT_SECRET: one key, one purpose');
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

  const database = databaseSettings(v, dataDir, isProduction, problem);

  const eventsSecret = v.EVENTS_WEBHOOK_SECRET ? webhookSecretKey(v.EVENTS_WEBHOOK_SECRET) : null;
  if (eventsSecret && eventsSecret.length < 24) problem('EVENTS_WEBHOOK_SECRET', 'must hold at least 24 bytes');
  if (v.EVENTS_WEBHOOK_URL && !eventsSecret) {
    problem('EVENTS_WEBHOOK_SECRET', 'is required with EVENTS_WEBHOOK_URL: every event is signed');
  }

  try {
    addressList(splitList(v.DEV_INBOX_FROM ?? ''));
  } catch (error) {
    problem('DEV_INBOX_FROM', (error as Error).message);
  }
  if (isProduction && v.TRUST_PROXY === 'true') {
    problem(
      'TRUST_PROXY',
      "true trusts whatever X-Forwarded-For a client writes; in production give the hop count (1 behind one load balancer) or the proxies' addresses",
    );
  }

  const port = Number(v.PORT);
  if (port > 65535) problem('PORT', 'must be at most 65535');
  if (v.REDIS_URL && v.REDIS_CLUSTER_NODES) {
    problem('REDIS_CLUSTER_NODES', 'is instead of REDIS_URL: set one of them');
  }
  const cluster = v.REDIS_CLUSTER_NODES ? parseClusterNodes(v.REDIS_CLUSTER_NODES) : null;
  const metricsPort = v.METRICS_PORT === undefined ? null : Number(v.METRICS_PORT);
  if (metricsPort !== null && metricsPort > 65535) problem('METRICS_PORT', 'must be at most 65535');
  if (metricsPort !== null && metricsPort !== 0 && metricsPort === port) {
    problem('METRICS_PORT', 'must differ from PORT: metrics are never served on the public port');
  }

  if (problems.length > 0) throw new ConfigError(problems);

  // Outside production a missing secret is generated once and kept in the data folder,
  // so tokens and codes survive restarts and the API and the worker share them.
  if (!isProduction) {
    jwtSecret ??= readOrCreateSecret(dataDir, 'jwt-secret');
    otpSecret ??= readOrCreateSecret(dataDir, 'otp-secret');
  }

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
      publicUrl: (v.PUBLIC_URL ?? `http://127.0.0.1:${port}`).replace(/\/+$/, ''),
      shutdownDelaySeconds: Number(v.SHUTDOWN_DELAY_SECONDS),
    },
    metrics: { host: v.METRICS_HOST, port: metricsPort },
    database,
    redis: { url: v.REDIS_URL ?? null, cluster, keyPrefix: v.REDIS_KEY_PREFIX },
    queue: { backend: v.REDIS_URL || cluster ? 'redis' : 'postgres', keepFailed: Number(v.QUEUE_KEEP_FAILED) },
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
    rateLimits: {
      signupPerIp: parseRate(v.SIGNUP_IP_RATE_LIMIT),
      verifyPerIp: parseRate(v.VERIFY_IP_RATE_LIMIT),
      tokenPerIp: parseRate(v.TOKEN_IP_RATE_LIMIT),
    },
    sms: {
      transports,
      inboxFrom: splitList(v.DEV_INBOX_FROM ?? ''),
      webhookUrl: v.SMS_WEBHOOK_URL ?? null,
      webhookSecret: smsWebhookSecret,
      delayMs: { min: delayMin, max: delayMax },
      gatewayTimeoutMs: Number(v.SMS_GATEWAY_TIMEOUT_MS),
      twilio: transports.includes('twilio')
        ? {
            accountSid: v.TWILIO_ACCOUNT_SID!,
            authToken: v.TWILIO_AUTH_TOKEN!,
            from: v.TWILIO_FROM ?? null,
            messagingServiceSid: v.TWILIO_MESSAGING_SERVICE_SID ?? null,
            apiUrl: v.TWILIO_API_URL,
          }
        : null,
      vonage: transports.includes('vonage')
        ? { apiKey: v.VONAGE_API_KEY!, apiSecret: v.VONAGE_API_SECRET!, from: v.VONAGE_FROM!, apiUrl: v.VONAGE_API_URL }
        : null,
      smsru: transports.includes('smsru')
        ? { apiId: v.SMSRU_API_ID!, from: v.SMSRU_FROM ?? null, apiUrl: v.SMSRU_API_URL }
        : null,
      message,
    },
    pumping: {
      countriesAllowed: allowed.length > 0 ? new Set(allowed) : null,
      countriesDenied: new Set(denied),
      perHour: budget(v.SMS_BUDGET_PER_HOUR, PRODUCTION_BUDGETS.perHour),
      perCountryPerHour: budget(v.SMS_BUDGET_PER_COUNTRY_PER_HOUR, PRODUCTION_BUDGETS.perCountryPerHour),
      perBlockPerHour: budget(v.SMS_BLOCK_LIMIT_PER_HOUR, PRODUCTION_BUDGETS.perBlockPerHour),
    },
    events: {
      webhookUrl: v.EVENTS_WEBHOOK_URL ?? null,
      secret: eventsSecret,
      retrySchedule: v.EVENTS_RETRY_SCHEDULE ? splitList(v.EVENTS_RETRY_SCHEDULE).map(Number) : EVENTS_RETRY_SCHEDULE,
      timeoutMs: 15_000,
    },
    adminPhoneNumbers,
    defaultPhoneRegion: safeRegion,
    queueDashboard:
      dashboardUser && dashboardPassword
        ? { user: dashboardUser, password: dashboardPassword, write: v.QUEUE_DASHBOARD_WRITE === 'true' }
        : null,
    worker: { concurrency: Number(v.WORKER_CONCURRENCY) },
    logLevel: v.LOG_LEVEL as LogLevel,
    logFormat:
      (v.LOG_FORMAT as 'json' | 'pretty' | undefined) ?? (!isProduction && process.stdout.isTTY ? 'pretty' : 'json'),
  } satisfies AppConfig);
  return config;
}

/** The settings a migration needs, and nothing else. */
export type DatabaseConfig = Pick<AppConfig, 'nodeEnv' | 'isProduction' | 'database'>;

/** The variables a migration reads: a migration job is given the database and nothing else. */
const DATABASE_VARIABLES = new Set([
  'NODE_ENV',
  'DATA_DIR',
  'DATABASE_URL',
  'DATABASE_DIRECT_URL',
  'DATABASE_POOLER',
  'DATABASE_POOL_SIZE',
]);

/**
 * `npm run migrate` (and the image's `migrate`): validates only the database's
 * settings, so a migration job runs with DATABASE_URL (and DATABASE_DIRECT_URL)
 * alone, in production too.
 */
export function loadDatabaseConfig(env: Record<string, string | undefined> = process.env): DatabaseConfig {
  const { values: v, problems: all } = validateEnvironment(env);
  const problems = all.filter(({ variable }) => DATABASE_VARIABLES.has(variable));
  const problem = (variable: string, text: string) => problems.push({ variable, problem: text });
  const nodeEnv = v.NODE_ENV as NodeEnv;
  const isProduction = nodeEnv === 'production';
  const database = databaseSettings(v, resolve(v.DATA_DIR), isProduction, problem);
  if (problems.length > 0) throw new ConfigError(problems);
  return { nodeEnv, isProduction, database };
}

function databaseSettings(
  v: EnvironmentVariables,
  dataDir: string,
  isProduction: boolean,
  problem: (variable: string, text: string) => void,
): AppConfig['database'] {
  // Without DATABASE_URL: the embedded PostgreSQL that `make run` keeps in DATA_DIR.
  const url = v.DATABASE_URL ?? runningEmbeddedDatabaseUrl(dataDir);
  if (!url) {
    problem(
      'DATABASE_URL',
      'is unset and no embedded PostgreSQL is running in DATA_DIR: `make run` starts one, or set DATABASE_URL',
    );
  }
  if (v.DATABASE_POOLER === 'transaction' && !v.DATABASE_DIRECT_URL) {
    problem(
      'DATABASE_DIRECT_URL',
      'is required with DATABASE_POOLER=transaction: migrations and the queue on PostgreSQL need a session',
    );
  }
  return {
    url: url ?? '',
    directUrl: v.DATABASE_DIRECT_URL ?? url ?? '',
    pooler: v.DATABASE_POOLER === 'transaction' ? 'transaction' : null,
    poolSize: Number(v.DATABASE_POOL_SIZE),
    migrateAtStart: !isProduction,
  };
}

/** `host:port` or `redis[s]://[user:password@]host:port` entries; credentials and TLS come from the first that has them. */
function parseClusterNodes(value: string): RedisClusterConfig {
  const cluster: RedisClusterConfig = { nodes: [], tls: false };
  for (const entry of splitList(value)) {
    const url = new URL(entry.includes('://') ? entry : `redis://${entry}`);
    cluster.nodes.push({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 6379) });
    if (url.protocol === 'rediss:') cluster.tls = true;
    if (url.username && cluster.username === undefined) cluster.username = decodeURIComponent(url.username);
    if (url.password && cluster.password === undefined) cluster.password = decodeURIComponent(url.password);
  }
  return cluster;
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
