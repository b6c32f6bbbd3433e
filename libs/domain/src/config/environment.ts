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
  @Matches(HTTP_URL, { message: 'SMS_WEBHOOK_URL must be an http:// or https:// URL' })
  SMS_WEBHOOK_URL?: string;

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

  @IsString()
  CORS_ORIGINS = '';

  @IsOptional()
  @MinLength(1)
  QUEUE_DASHBOARD_USER?: string;

  @IsOptional()
  @MinLength(1)
  QUEUE_DASHBOARD_PASSWORD?: string;

  @Matches(/^[1-9]\d*$/)
  WORKER_CONCURRENCY = '1000';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IsString()
  @MinLength(1)
  DATA_DIR = './.data';
}

export type EnvironmentProblem = { variable: string; problem: string };

/** Validates the raw environment against the schema; unknown variables are ignored. */
export function validateEnvironment(env: Record<string, string | undefined>): {
  values: EnvironmentVariables;
  problems: EnvironmentProblem[];
} {
  const known = Object.keys(new EnvironmentVariables()).concat([
    'HOST',
    'METRICS_PORT',
    'DATABASE_URL',
    'REDIS_URL',
    'REDIS_CLUSTER_NODES',
    'DATABASE_POOLER',
    'DATABASE_DIRECT_URL',
    'JWT_SECRET',
    'SMS_TRANSPORT',
    'SMS_WEBHOOK_URL',
    'PUBLIC_URL',
    'EVENTS_WEBHOOK_URL',
    'EVENTS_WEBHOOK_SECRET',
    'EVENTS_RETRY_SCHEDULE',
    'TWILIO_ACCOUNT_SID',
    'TWILIO_AUTH_TOKEN',
    'TWILIO_FROM',
    'TWILIO_MESSAGING_SERVICE_SID',
    'VONAGE_API_KEY',
    'VONAGE_API_SECRET',
    'VONAGE_FROM',
    'SMSRU_API_ID',
    'SMSRU_FROM',
    'SMS_WEBOTP_DOMAIN',
    'SMS_ANDROID_APP_HASH',
    'SMS_BUDGET_PER_HOUR',
    'SMS_BUDGET_PER_COUNTRY_PER_HOUR',
    'SMS_BLOCK_LIMIT_PER_HOUR',
    'QUEUE_DASHBOARD_USER',
    'QUEUE_DASHBOARD_PASSWORD',
  ]);
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
