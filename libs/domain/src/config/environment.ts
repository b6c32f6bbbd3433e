import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { IsIn, IsOptional, IsString, Matches, MinLength, validateSync } from 'class-validator';

const INTEGER = /^\d+$/;
const RANGE = /^\d+(-\d+)?$/;
const RATE = /^\d+\/\d+$/;

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

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @Matches(/^[1-9]\d*$/)
  DATABASE_POOL_SIZE = '10';

  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

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

  @IsIn(['simulated', 'webhook'])
  @IsOptional()
  SMS_TRANSPORT?: string;

  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'SMS_WEBHOOK_URL must be an http:// or https:// URL' })
  SMS_WEBHOOK_URL?: string;

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
    'DATABASE_URL',
    'REDIS_URL',
    'JWT_SECRET',
    'SMS_TRANSPORT',
    'SMS_WEBHOOK_URL',
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
