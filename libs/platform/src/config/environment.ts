import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { IsIn, IsOptional, IsString, Matches, MinLength, validateSync } from 'class-validator';

const INTEGER = /^\d+$/;
const RANGE = /^\d+(-\d+)?$/;
const RATE = /^\d+\/\d+$/;
const HTTP_URL = /^https?:\/\/\S+$/;
const TRANSPORT = '(simulated|webhook|twilio|vonage|smsru)';
const TRANSPORT_LIST = new RegExp(`^${TRANSPORT}(\\s*,\\s*${TRANSPORT})*$`);
const COUNTRY_LIST = /^([A-Za-z]{2}(\s*,\s*[A-Za-z]{2})*)?$/;

/**
 * Every setting the two processes read, as the process environment spells it.
 * Values stay strings here; `loadConfig` turns them into a typed AppConfig.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV = 'development';

  @Matches(INTEGER)
  PORT = '3000';

  @IsOptional()
  @IsString()
  HOST?: string;

  /** After SIGTERM the API answers readiness 503 this long while it still serves, then closes. */
  @Matches(INTEGER, { message: 'SHUTDOWN_DELAY_SECONDS must be a whole number of seconds' })
  SHUTDOWN_DELAY_SECONDS = '0';

  /** `/metrics` (Prometheus): API 9464 and worker 9465 when unset; 0 turns it off. */
  @IsOptional()
  @Matches(INTEGER)
  METRICS_PORT?: string;

  @IsString()
  METRICS_HOST = '127.0.0.1';

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @Matches(/^[1-9]\d*$/)
  DATABASE_POOL_SIZE = '10';

  /** `transaction` when DATABASE_URL goes through PgBouncer (or a pooler like it) in transaction mode. */
  @IsOptional()
  @IsIn(['transaction'], { message: 'DATABASE_POOLER must be transaction (or unset: a direct connection)' })
  DATABASE_POOLER?: string;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_DIRECT_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_DIRECT_URL?: string;

  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /** A Redis Cluster instead of REDIS_URL: `host:port,…`, or `redis[s]://[user:password@]host:port,…`. */
  @IsOptional()
  @Matches(/^(rediss?:\/\/\S+|[^\s,:]+:\d+)(\s*,\s*(rediss?:\/\/\S+|[^\s,:]+:\d+))*$/, {
    message: 'REDIS_CLUSTER_NODES must be host:port or redis://host:port entries, comma-separated',
  })
  REDIS_CLUSTER_NODES?: string;

  @Matches(/^[\w.-]{1,64}$/)
  REDIS_KEY_PREFIX = 'referral';

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

  @IsOptional()
  @Matches(TRANSPORT_LIST, {
    message:
      'SMS_TRANSPORT must be one of simulated, webhook, twilio, vonage, smsru, or a comma-separated list of them',
  })
  SMS_TRANSPORT?: string;

  @IsOptional()
  @Matches(/^[\d.:a-fA-F/]+(\s*,\s*[\d.:a-fA-F/]+)*$/, {
    message: 'DEV_INBOX_FROM must be a comma-separated list of addresses or CIDRs',
  })
  DEV_INBOX_FROM?: string;

  @IsOptional()
  @Matches(HTTP_URL, { message: 'SMS_WEBHOOK_URL must be an http:// or https:// URL' })
  SMS_WEBHOOK_URL?: string;

  @IsOptional()
  @Matches(/^whsec_[A-Za-z0-9+/]+={0,2}$/, { message: 'SMS_WEBHOOK_SECRET must be whsec_ followed by base64' })
  SMS_WEBHOOK_SECRET?: string;

  @IsIn(['true', 'false'])
  ALLOW_HTTP_TO_PRIVATE_HOSTS = 'false';

  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, {
    message: 'PUBLIC_URL must be an http:// or https:// URL without a query, such as https://app.example.com',
  })
  PUBLIC_URL?: string;

  @IsOptional()
  @Matches(HTTP_URL, { message: 'EVENTS_WEBHOOK_URL must be an http:// or https:// URL' })
  EVENTS_WEBHOOK_URL?: string;

  @IsOptional()
  @Matches(/^whsec_[A-Za-z0-9+/]+={0,2}$/, { message: 'EVENTS_WEBHOOK_SECRET must be whsec_ followed by base64' })
  EVENTS_WEBHOOK_SECRET?: string;

  @IsOptional()
  @Matches(/^\d+(\s*,\s*\d+)*$/, { message: 'EVENTS_RETRY_SCHEDULE must be seconds, comma-separated' })
  EVENTS_RETRY_SCHEDULE?: string;

  @IsOptional()
  @Matches(/^AC[0-9a-fA-F]{32}$/, { message: 'TWILIO_ACCOUNT_SID must be AC followed by 32 hex digits' })
  TWILIO_ACCOUNT_SID?: string;

  @IsOptional()
  @MinLength(16)
  TWILIO_AUTH_TOKEN?: string;

  @IsOptional()
  @Matches(/^(\+[1-9]\d{6,14}|[A-Za-z0-9 ]{1,11})$/, {
    message: 'TWILIO_FROM must be an E.164 number or an alphanumeric sender ID of up to 11 characters',
  })
  TWILIO_FROM?: string;

  @IsOptional()
  @Matches(/^MG[0-9a-fA-F]{32}$/, { message: 'TWILIO_MESSAGING_SERVICE_SID must be MG followed by 32 hex digits' })
  TWILIO_MESSAGING_SERVICE_SID?: string;

  @Matches(/^[1-9]\d*$/, { message: 'SMS_GATEWAY_TIMEOUT_MS must be a number of milliseconds' })
  SMS_GATEWAY_TIMEOUT_MS = '10000';

  @Matches(HTTP_URL, { message: 'TWILIO_API_URL must be an http:// or https:// URL' })
  TWILIO_API_URL = 'https://api.twilio.com';

  @IsOptional()
  @MinLength(1)
  VONAGE_API_KEY?: string;

  @IsOptional()
  @MinLength(1)
  VONAGE_API_SECRET?: string;

  @IsOptional()
  @Matches(/^(\d{6,15}|[A-Za-z0-9 ]{1,11})$/, {
    message: 'VONAGE_FROM must be a number (digits only) or an alphanumeric sender ID of up to 11 characters',
  })
  VONAGE_FROM?: string;

  @Matches(HTTP_URL, { message: 'VONAGE_API_URL must be an http:// or https:// URL' })
  VONAGE_API_URL = 'https://rest.nexmo.com';

  @IsOptional()
  @MinLength(1)
  SMSRU_API_ID?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9 .-]{1,11}$/, { message: 'SMSRU_FROM must be a sender name of up to 11 characters' })
  SMSRU_FROM?: string;

  @Matches(HTTP_URL, { message: 'SMSRU_API_URL must be an http:// or https:// URL' })
  SMSRU_API_URL = 'https://sms.ru';

  @IsString()
  @MinLength(1)
  SMS_TEMPLATE = 'Your sign-in code is {code}. It expires in {minutes} min. Never share it with anyone.';

  @IsString()
  @MinLength(1)
  APP_NAME = 'Referral service';

  @IsOptional()
  @Matches(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
    message: 'SMS_WEBOTP_DOMAIN must be a host name such as app.example.com (no scheme, no port)',
  })
  SMS_WEBOTP_DOMAIN?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{11}$/, { message: 'SMS_ANDROID_APP_HASH must be the 11-character app hash' })
  SMS_ANDROID_APP_HASH?: string;

  @Matches(COUNTRY_LIST, { message: 'PHONE_COUNTRIES_ALLOWED must be ISO 3166 alpha-2 codes, comma-separated' })
  PHONE_COUNTRIES_ALLOWED = '';

  @Matches(COUNTRY_LIST, { message: 'PHONE_COUNTRIES_DENIED must be ISO 3166 alpha-2 codes, comma-separated' })
  PHONE_COUNTRIES_DENIED = '';

  @IsOptional()
  @Matches(INTEGER, { message: 'SMS_BUDGET_PER_HOUR must be a number of codes (0: no budget)' })
  SMS_BUDGET_PER_HOUR?: string;

  @IsOptional()
  @Matches(INTEGER, { message: 'SMS_BUDGET_PER_COUNTRY_PER_HOUR must be a number of codes (0: no budget)' })
  SMS_BUDGET_PER_COUNTRY_PER_HOUR?: string;

  @IsOptional()
  @Matches(INTEGER, { message: 'SMS_BLOCK_LIMIT_PER_HOUR must be a number of codes (0: no limit)' })
  SMS_BLOCK_LIMIT_PER_HOUR?: string;

  @Matches(RANGE, { message: 'SMS_DELAY_MS must be a number of milliseconds or a range like 1000-2000' })
  SMS_DELAY_MS = '1000-2000';

  @IsString()
  OTP_TEST_NUMBERS = '';

  @Matches(/^[1-9]\d*$/)
  CODE_TTL_SECONDS = '300';

  @Matches(INTEGER)
  CODE_RESEND_SECONDS = '60';

  @Matches(/^[1-9]\d*$/)
  CODES_PER_HOUR = '5';

  @Matches(/^[A-Z]{2}$/, { message: 'DEFAULT_PHONE_REGION must be a two-letter region code such as RU' })
  DEFAULT_PHONE_REGION = 'RU';

  @Matches(/^(true|false|\d+|[\d.:a-fA-F/]+(\s*,\s*[\d.:a-fA-F/]+)*)$/, {
    message: 'TRUST_PROXY must be true, false, a hop count, or a comma-separated list of proxy addresses',
  })
  TRUST_PROXY = 'false';

  @Matches(RATE, { message: 'SIGNUP_IP_RATE_LIMIT must look like 20/60 (requests per seconds)' })
  SIGNUP_IP_RATE_LIMIT = '20/60';

  @Matches(RATE, { message: 'VERIFY_IP_RATE_LIMIT must look like 30/60 (requests per seconds)' })
  VERIFY_IP_RATE_LIMIT = '30/60';

  @Matches(RATE, { message: 'TOKEN_IP_RATE_LIMIT must look like 60/60 (requests per seconds)' })
  TOKEN_IP_RATE_LIMIT = '60/60';

  @IsString()
  CORS_ORIGINS = '';

  @IsOptional()
  @MinLength(1)
  QUEUE_DASHBOARD_USER?: string;

  @IsOptional()
  @MinLength(1)
  QUEUE_DASHBOARD_PASSWORD?: string;

  @IsIn(['true', 'false'])
  QUEUE_DASHBOARD_WRITE = 'false';

  @Matches(/^[1-9]\d*$/)
  WORKER_CONCURRENCY = '1000';

  @Matches(/^[1-9]\d*$/, { message: 'QUEUE_KEEP_FAILED must be a whole number of jobs, 1 or more' })
  QUEUE_KEEP_FAILED = '5000';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IsOptional()
  @IsIn(['json', 'pretty'], { message: 'LOG_FORMAT must be json or pretty' })
  LOG_FORMAT?: string;

  @IsOptional()
  @IsString()
  ENV_FILE?: string;

  @IsString()
  @MinLength(1)
  DATA_DIR = './.data';
}

export type EnvironmentProblem = { variable: string; problem: string };

/** What a setting is for, where it belongs, and its default when the schema's value is not the whole story. */
export interface SettingHelp {
  group: string;
  meaning: string;
  /** Said instead of the schema's default (a computed one, or one that depends on NODE_ENV). */
  default?: string;
}

const http = 'HTTP';
const db = 'Database';
const redis = 'Redis';
const auth = 'Sign-in and tokens';
const sms = 'SMS delivery';
const pump = 'SMS pumping';
const events = 'Referral events';
const ops = 'Operations';
/** The reference's sections, in order. */
export const SETTING_GROUPS = [http, db, redis, auth, sms, pump, events, ops];

/**
 * One entry per setting of the schema above (the type makes a missing one a
 * compile error): docs/configuration.md and .env.example are generated from it
 * (settings-reference.ts, `npm run settings:docs`), and a test fails when either drifts.
 */
export const SETTING_HELP: { readonly [K in keyof EnvironmentVariables]-?: SettingHelp } = {
  NODE_ENV: { group: ops, meaning: '`production` turns on the strict checks and turns off migrations at start' },
  PORT: { group: http, meaning: "the API's HTTP port" },
  HOST: { group: http, meaning: 'the address the API listens on', default: '127.0.0.1 (0.0.0.0 in production)' },
  TRUST_PROXY: {
    group: http,
    meaning:
      "false; a hop count (1: the address one load balancer appended to X-Forwarded-For); the proxies' addresses/CIDRs; true (refused in production)",
  },
  CORS_ORIGINS: { group: http, meaning: 'browser origins allowed to call the API, comma-separated' },
  PUBLIC_URL: {
    group: http,
    meaning: 'where people reach the page: invite links are {PUBLIC_URL}/?ref={code}',
    default: 'http://127.0.0.1:$PORT',
  },
  SIGNUP_IP_RATE_LIMIT: { group: http, meaning: 'code requests per client address: requests/seconds' },
  VERIFY_IP_RATE_LIMIT: { group: http, meaning: 'code checks per client address: requests/seconds' },
  TOKEN_IP_RATE_LIMIT: {
    group: http,
    meaning: 'token refreshes and logouts per client address: requests/seconds (an app refreshes every 15 minutes)',
  },
  SHUTDOWN_DELAY_SECONDS: {
    group: http,
    meaning:
      'after SIGTERM the API answers /health/ready 503 for this long while it still serves, so a balancer or Kubernetes takes it out first; then it closes',
  },
  METRICS_PORT: {
    group: ops,
    meaning:
      "Prometheus /metrics port, never PORT; 0 turns it off; one per process on a machine; the worker's /health/live and /health/ready too",
    default: 'API 9464, worker 9465',
  },
  METRICS_HOST: { group: ops, meaning: 'the address /metrics listens on' },
  DATABASE_URL: {
    group: db,
    meaning: 'PostgreSQL (postgres:// or postgresql://)',
    default: 'the embedded PostgreSQL of DATA_DIR that `make run` starts',
  },
  DATABASE_POOL_SIZE: { group: db, meaning: 'connections per process' },
  DATABASE_POOLER: {
    group: db,
    meaning: '`transaction` when DATABASE_URL is PgBouncer (or alike) in transaction mode',
  },
  DATABASE_DIRECT_URL: {
    group: db,
    meaning: 'a direct connection for migrations and the queue on PostgreSQL (required with DATABASE_POOLER)',
    default: 'DATABASE_URL',
  },
  REDIS_URL: {
    group: redis,
    meaning: 'Redis for the queue and the per-IP limits (redis:// or rediss://)',
    default: 'unset: both run on PostgreSQL',
  },
  REDIS_CLUSTER_NODES: {
    group: redis,
    meaning: 'a Redis Cluster instead of REDIS_URL: host:port,… or redis[s]://[user:password@]host:port,…',
  },
  REDIS_KEY_PREFIX: { group: redis, meaning: 'prefix of every Redis key, and of the queue schema on PostgreSQL' },
  JWT_SECRET: {
    group: auth,
    meaning:
      'signs access tokens (its id is their `kid`); the API needs it, the worker does not; in production 32+ bytes of real randomness',
    default: 'generated into DATA_DIR outside production',
  },
  JWT_PREVIOUS_SECRETS: {
    group: auth,
    meaning: 'comma-separated: earlier JWT_SECRETs whose tokens still verify (a rotation signs nobody out)',
  },
  OTP_SECRET: {
    group: auth,
    meaning:
      'the root of the keys codes are hashed and sealed with (and referred phones fingerprinted); API and worker; in production 32+ bytes of real randomness, not JWT_SECRET',
    default: 'generated into DATA_DIR outside production',
  },
  OTP_PREVIOUS_SECRETS: {
    group: auth,
    meaning: 'comma-separated: earlier OTP_SECRETs whose codes in flight still verify and deliver',
  },
  JWT_ISSUER: { group: auth, meaning: 'the `iss` of access tokens' },
  JWT_AUDIENCE: { group: auth, meaning: 'the `aud` of access tokens' },
  REFRESH_TOKEN_TTL_SECONDS: { group: auth, meaning: 'how long a refresh token lives (30 days)' },
  ADMIN_PHONE_NUMBERS: { group: auth, meaning: 'phone numbers whose users are admins, comma-separated' },
  OTP_TEST_NUMBERS: {
    group: auth,
    meaning:
      '+79990000000:1234,…: fixed codes for demos and monitoring, never sent to a gateway; no admin in production',
  },
  CODE_TTL_SECONDS: { group: auth, meaning: 'how long a code can be used' },
  CODE_RESEND_SECONDS: { group: auth, meaning: 'the wait before another code to the same number' },
  CODES_PER_HOUR: { group: auth, meaning: 'codes per number per rolling hour' },
  DEFAULT_PHONE_REGION: { group: auth, meaning: 'the region of numbers written in national format' },
  PHONE_COUNTRIES_ALLOWED: { group: pump, meaning: 'ISO 3166 alpha-2 codes; when set, codes go only there' },
  PHONE_COUNTRIES_DENIED: { group: pump, meaning: 'ISO 3166 alpha-2 codes no code is sent to' },
  SMS_BUDGET_PER_HOUR: {
    group: pump,
    meaning: 'codes per rolling hour for the whole deployment; 0 is off',
    default: '10000 in production, off otherwise',
  },
  SMS_BUDGET_PER_COUNTRY_PER_HOUR: {
    group: pump,
    meaning: 'codes per rolling hour per country; 0 is off',
    default: '2000 in production, off otherwise',
  },
  SMS_BLOCK_LIMIT_PER_HOUR: {
    group: pump,
    meaning: 'codes per rolling hour to one block of 1,000 numbers; 0 is off',
    default: '30 in production, off otherwise',
  },
  DEV_INBOX_FROM: {
    group: sms,
    meaning:
      'with SMS_TRANSPORT=simulated: addresses or CIDRs besides loopback whose connections may read the simulated inbox (the compose demo: its network gateway)',
    default: 'unset: this machine only',
  },
  SMS_TRANSPORT: {
    group: sms,
    meaning: 'simulated, webhook, twilio, vonage, smsru, or a list of them tried in order',
    default: 'simulated (webhook in production, where simulated is refused)',
  },
  SMS_WEBHOOK_URL: {
    group: sms,
    meaning: 'where the webhook transport POSTs each message; user:password@ in it is sent as basic auth',
  },
  SMS_WEBHOOK_SECRET: {
    group: sms,
    meaning: 'whsec_…: the Standard Webhooks secret each SMS webhook request is signed with (required with it)',
  },
  ALLOW_HTTP_TO_PRIVATE_HOSTS: {
    group: sms,
    meaning:
      'true lets production use http:// gateway and webhook URLs whose host is loopback or private (a sidecar); otherwise https:// only',
  },
  SMS_GATEWAY_TIMEOUT_MS: { group: sms, meaning: 'how long a gateway may take to answer' },
  SMS_DELAY_MS: { group: sms, meaning: "the simulated gateway's wait: milliseconds or a range" },
  SMS_TEMPLATE: { group: sms, meaning: 'the message, with {code}, {minutes} and {app}; one SMS segment' },
  APP_NAME: { group: sms, meaning: 'the {app} of SMS_TEMPLATE' },
  SMS_WEBOTP_DOMAIN: { group: sms, meaning: 'adds the `@domain #code` line (WebOTP, Safari autofill)' },
  SMS_ANDROID_APP_HASH: { group: sms, meaning: 'the Android SMS Retriever app hash, appended to the message' },
  TWILIO_ACCOUNT_SID: { group: sms, meaning: 'Twilio: the account (AC…)' },
  TWILIO_AUTH_TOKEN: { group: sms, meaning: "Twilio: the account's auth token" },
  TWILIO_FROM: { group: sms, meaning: 'Twilio: the sender number or alphanumeric ID' },
  TWILIO_MESSAGING_SERVICE_SID: { group: sms, meaning: 'Twilio: a messaging service (MG…) instead of TWILIO_FROM' },
  TWILIO_API_URL: { group: sms, meaning: "Twilio's API" },
  VONAGE_API_KEY: { group: sms, meaning: 'Vonage: the API key' },
  VONAGE_API_SECRET: { group: sms, meaning: 'Vonage: the API secret' },
  VONAGE_FROM: { group: sms, meaning: 'Vonage: the sender number or alphanumeric ID' },
  VONAGE_API_URL: { group: sms, meaning: "Vonage's SMS API" },
  SMSRU_API_ID: { group: sms, meaning: 'SMS.ru: the api_id' },
  SMSRU_FROM: { group: sms, meaning: 'SMS.ru: the sender name' },
  SMSRU_API_URL: { group: sms, meaning: "SMS.ru's API" },
  EVENTS_WEBHOOK_URL: { group: events, meaning: "the host app's receiver of signed referral events" },
  EVENTS_WEBHOOK_SECRET: { group: events, meaning: 'whsec_…: the Standard Webhooks secret events are signed with' },
  EVENTS_RETRY_SCHEDULE: {
    group: events,
    meaning: 'seconds before each retry of an event, comma-separated',
    default: '5,300,1800,7200,18000,36000,36000',
  },
  QUEUE_DASHBOARD_USER: { group: ops, meaning: 'with QUEUE_DASHBOARD_PASSWORD: turns on /admin/queues/' },
  QUEUE_DASHBOARD_PASSWORD: { group: ops, meaning: "the queue dashboard's password (12+ characters in production)" },
  QUEUE_DASHBOARD_WRITE: {
    group: ops,
    meaning: 'true lets the dashboard retry, promote, pause, clean and remove jobs; otherwise it only reads',
  },
  WORKER_CONCURRENCY: { group: ops, meaning: 'deliveries in flight per worker' },
  QUEUE_KEEP_FAILED: {
    group: ops,
    meaning: 'failed code deliveries kept for inspection, the newest first; each at most 14 days',
  },
  LOG_LEVEL: { group: ops, meaning: 'fatal, error, warn, info, debug, trace or silent' },
  LOG_FORMAT: {
    group: ops,
    meaning: 'json or pretty (one short line each)',
    default: 'pretty on a terminal outside production, json otherwise',
  },
  DATA_DIR: { group: ops, meaning: "the embedded PostgreSQL's folder and the generated JWT secret" },
  ENV_FILE: {
    group: ops,
    meaning: 'a file of NAME=value lines read at start if it exists; the environment overrides it',
    default: '.env',
  },
};

/** Every variable the processes read, in the order of the schema's help. */
export const SETTING_NAMES = Object.keys(SETTING_HELP) as Array<keyof EnvironmentVariables>;

/** Validates the raw environment against the schema; unknown variables are ignored. */
export function validateEnvironment(env: Record<string, string | undefined>): {
  values: EnvironmentVariables;
  problems: EnvironmentProblem[];
} {
  const known = SETTING_NAMES;
  // An empty variable means "unset", as in most shells and compose files.
  const plain: Record<string, string> = {};
  for (const name of known) {
    const value = env[name];
    if (value !== undefined && value !== '') plain[name] = value;
  }
  const values = plainToInstance(EnvironmentVariables, plain);
  const problems = validateSync(values, { skipMissingProperties: false }).flatMap((error) =>
    Object.values(error.constraints ?? {}).map((problem) => ({ variable: error.property, problem })),
  );
  return { values, problems };
}
