import { resolve } from 'node:path';
import { type AuthConfig, authConfig } from './features/auth.config.js';
import { botCheckConfig, type BotCheckConfig } from './features/bot-check.config.js';
import { channelsConfig, type ChannelsConfig } from './features/channels.config.js';
import {
  databaseConfig,
  type DatabaseConfig as DatabaseSection,
  DATABASE_VARIABLES,
} from './features/database.config.js';
import { eventsConfig, type EventsConfig } from './features/events.config.js';
import { httpConfig, type HttpConfig } from './features/http.config.js';
import { operationsConfig, type OperationsConfig } from './features/operations.config.js';
import { pumpingConfig, type PumpingConfig } from './features/pumping.config.js';
import { receiptsConfig, type ReceiptsConfig } from './features/receipts.config.js';
import { redisConfig, type RedisConfig } from './features/redis.config.js';
import { referralsConfig, type ReferralPolicy } from './features/referrals.config.js';
import type { FeatureContext, NodeEnv, ProcessRole } from './features/shared.js';
import { smsConfig, type SmsConfig } from './features/sms.config.js';
import { validateEnvironment, type EnvironmentProblem } from './environment.js';

export { PRODUCTION_BUDGETS } from './features/pumping.config.js';
export { EVENTS_RETRY_SCHEDULE } from './features/events.config.js';
export { FRAUD_SIGNALS, type FraudSignal, type ReferralPolicy, type Reward } from './features/referrals.config.js';
export { TRANSPORT_NAMES, type TransportName } from './features/sms.config.js';
export { BOT_CHECK_PROVIDERS, type BotCheckConfig, type BotCheckProvider } from './features/bot-check.config.js';
export { CHANNELS, CHANNEL_OF, type Channel, transportOrder } from './features/channels.config.js';
export { type VonageSignatureMethod } from './features/receipts.config.js';
export type { RateLimit } from './features/http.config.js';
export type { RedisClusterConfig } from './features/redis.config.js';
export type { LogLevel } from './features/operations.config.js';
export type { NodeEnv, ProcessRole } from './features/shared.js';

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
 * The validated settings of both processes, one part per feature
 * (`features/*.config.ts`, each checked and built by its own function). The
 * class doubles as the Nest injection token, registered once
 * (AppConfigModule), so services ask for `AppConfig` and get typed values.
 */
export class AppConfig {
  nodeEnv: NodeEnv;
  isProduction: boolean;
  dataDir: string;
  http: HttpConfig['http'];
  rateLimits: HttpConfig['rateLimits'];
  metrics: OperationsConfig['metrics'];
  database: DatabaseSection;
  redis: RedisConfig;
  queue: {
    backend: 'redis' | 'postgres';
    keepFailed: OperationsConfig['keepFailed'];
  };
  jwt: AuthConfig['jwt'];
  otp: AuthConfig['otp'];
  sessions: AuthConfig['sessions'];
  phoneChange: AuthConfig['phoneChange'];
  users: AuthConfig['users'];
  adminPhoneNumbers: AuthConfig['adminPhoneNumbers'];
  defaultPhoneRegion: AuthConfig['defaultPhoneRegion'];
  sms: SmsConfig;
  receipts: ReceiptsConfig;
  /** WhatsApp's and Telegram's accounts (null when SMS_TRANSPORT does not name them). */
  channels: ChannelsConfig;
  pumping: PumpingConfig;
  /** The bot check before a code is sent; null when BOT_CHECK_PROVIDER is off. */
  botCheck: BotCheckConfig | null;
  /** The referral lifecycle's policy, as its database functions take it. */
  referrals: ReferralPolicy;
  events: EventsConfig;
  queueDashboard: OperationsConfig['queueDashboard'];
  worker: OperationsConfig['worker'];
  logLevel: OperationsConfig['logLevel'];
  logFormat: OperationsConfig['logFormat'];
}

/**
 * Reads and validates the environment: each feature's schema, then each
 * feature's own checks. Throws ConfigError naming each bad or missing variable;
 * the processes print it and exit before doing anything else.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  role: ProcessRole = 'api',
): AppConfig {
  const { values: v, problems } = validateEnvironment(env);
  const nodeEnv = v.NODE_ENV as NodeEnv;
  const isProduction = nodeEnv === 'production';
  const dataDir = resolve(v.DATA_DIR);
  const context: FeatureContext = {
    isProduction,
    role,
    dataDir,
    problem: (variable, text) => problems.push({ variable, problem: text }),
  };

  const { http, rateLimits } = httpConfig(v, context);
  const database = databaseConfig(v, context);
  const redis = redisConfig(v, context);
  const auth = authConfig(v, context);
  const sms = smsConfig(v, context);
  const receipts = receiptsConfig(v, context);
  const channels = channelsConfig(v, context);
  const pumping = pumpingConfig(v, context);
  const botCheck = botCheckConfig(v, context, pumping.conversion !== null);
  const referrals = referralsConfig(v, context);
  const events = eventsConfig(v, context);
  const { keepFailed, ...operations } = operationsConfig(v, context);
  if (problems.length > 0) throw new ConfigError(problems);

  const config = new AppConfig();
  Object.assign(config, {
    nodeEnv,
    isProduction,
    dataDir,
    http,
    rateLimits,
    database,
    redis,
    queue: { backend: redis.url || redis.cluster ? 'redis' : 'postgres', keepFailed },
    ...auth.generate(),
    sms,
    receipts,
    channels,
    pumping,
    botCheck,
    referrals,
    events,
    ...operations,
  } satisfies AppConfig);
  return config;
}

/** The settings a migration needs, and nothing else. */
export type DatabaseConfig = Pick<AppConfig, 'nodeEnv' | 'isProduction' | 'database'>;

/**
 * `npm run migrate` (and the image's `migrate`): validates only the database's
 * settings, so a migration job runs with DATABASE_URL (and DATABASE_DIRECT_URL)
 * alone, in production too.
 */
export function loadDatabaseConfig(env: Record<string, string | undefined> = process.env): DatabaseConfig {
  const { values: v, problems: all } = validateEnvironment(env);
  const problems = all.filter(({ variable }) => DATABASE_VARIABLES.has(variable));
  const nodeEnv = v.NODE_ENV as NodeEnv;
  const isProduction = nodeEnv === 'production';
  const database = databaseConfig(v, {
    isProduction,
    role: 'api',
    dataDir: resolve(v.DATA_DIR),
    problem: (variable, text) => problems.push({ variable, problem: text }),
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return { nodeEnv, isProduction, database };
}

/** The settings `npm run keys` and `npm run api-keys` need: the database's and the token keys'. */
export type KeysConfig = DatabaseConfig & Pick<AppConfig, 'jwt'>;

const KEY_VARIABLES = new Set([
  'KEY_ENCRYPTION_SECRET',
  'JWT_ALGORITHM',
  'JWT_KEY_PUBLISH_SECONDS',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
  'DATA_DIR',
]);

/**
 * `npm run keys` and `npm run api-keys` (and the image's `keys`, run by its
 * `migrate`): the database's settings and the signing keys', nothing else, so
 * they run where the migration job runs.
 */
export function loadKeysConfig(env: Record<string, string | undefined> = process.env): KeysConfig {
  const { values: v, problems: all } = validateEnvironment(env);
  const problems = all.filter(({ variable }) => DATABASE_VARIABLES.has(variable) || KEY_VARIABLES.has(variable));
  const nodeEnv = v.NODE_ENV as NodeEnv;
  const isProduction = nodeEnv === 'production';
  const context: FeatureContext = {
    isProduction,
    role: 'api',
    dataDir: resolve(v.DATA_DIR),
    problem: (variable, text) => {
      if (KEY_VARIABLES.has(variable) || DATABASE_VARIABLES.has(variable)) problems.push({ variable, problem: text });
    },
  };
  const database = databaseConfig(v, context);
  const auth = authConfig(v, context);
  if (problems.length > 0) throw new ConfigError(problems);
  return { nodeEnv, isProduction, database, jwt: auth.generate().jwt };
}
