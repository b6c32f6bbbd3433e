import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { AUTH_HELP, AuthSettings } from './features/auth.config.js';
import { BOT_CHECK_HELP, BotCheckSettings } from './features/bot-check.config.js';
import { CHANNELS_HELP, ChannelSettings } from './features/channels.config.js';
import { DATABASE_HELP, DatabaseSettings } from './features/database.config.js';
import { EVENTS_HELP, EventsSettings } from './features/events.config.js';
import { HTTP_HELP, HttpSettings } from './features/http.config.js';
import { OPERATIONS_HELP, OperationsSettings } from './features/operations.config.js';
import { PUMPING_HELP, PumpingSettings } from './features/pumping.config.js';
import { RECEIPTS_HELP, ReceiptsSettings } from './features/receipts.config.js';
import { REDIS_HELP, RedisSettings } from './features/redis.config.js';
import { REFERRALS_HELP, ReferralSettings } from './features/referrals.config.js';
import { GROUPS, type HelpOf } from './features/shared.js';
import { SMS_HELP, SmsSettings } from './features/sms.config.js';

export type { SettingHelp } from './features/shared.js';

/**
 * Every feature's settings: its schema class (the variables as the process
 * environment spells them, validated at start) and its help. Each lives in
 * `features/<feature>.config.ts` beside the function that turns its values into
 * its part of AppConfig; this list is the one place they are registered.
 */
const FEATURES = [
  { schema: HttpSettings, help: HTTP_HELP },
  { schema: DatabaseSettings, help: DATABASE_HELP },
  { schema: RedisSettings, help: REDIS_HELP },
  { schema: AuthSettings, help: AUTH_HELP },
  { schema: SmsSettings, help: SMS_HELP },
  { schema: ReceiptsSettings, help: RECEIPTS_HELP },
  { schema: ChannelSettings, help: CHANNELS_HELP },
  { schema: PumpingSettings, help: PUMPING_HELP },
  { schema: BotCheckSettings, help: BOT_CHECK_HELP },
  { schema: ReferralSettings, help: REFERRALS_HELP },
  { schema: EventsSettings, help: EVENTS_HELP },
  { schema: OperationsSettings, help: OPERATIONS_HELP },
] as const;

/** Every setting the two processes read: the features' schemas together. Values stay strings here. */
export type EnvironmentVariables = HttpSettings &
  DatabaseSettings &
  RedisSettings &
  AuthSettings &
  SmsSettings &
  ReceiptsSettings &
  ChannelSettings &
  PumpingSettings &
  BotCheckSettings &
  ReferralSettings &
  EventsSettings &
  OperationsSettings;

/** `new EnvironmentVariables()`: every schema's defaults together. */
export const EnvironmentVariables = class {
  constructor() {
    for (const { schema } of FEATURES) Object.assign(this, new schema());
  }
} as unknown as new () => EnvironmentVariables;

export type EnvironmentProblem = { variable: string; problem: string };

/** The reference's sections, in order. */
export const SETTING_GROUPS: string[] = Object.values(GROUPS);

/**
 * One entry per setting (each feature's type makes a missing one a compile
 * error): docs/configuration.md and .env.example are generated from it
 * (settings-reference.ts, `npm run settings:docs`), and a test fails when either drifts.
 */
export const SETTING_HELP = Object.assign({}, ...FEATURES.map(({ help }) => help)) as HelpOf<EnvironmentVariables>;

/** Every variable the processes read, in the order of the features' help. */
export const SETTING_NAMES = Object.keys(SETTING_HELP) as Array<keyof EnvironmentVariables>;

/** Validates the raw environment against each feature's schema; unknown variables are ignored. */
export function validateEnvironment(env: Record<string, string | undefined>): {
  values: EnvironmentVariables;
  problems: EnvironmentProblem[];
} {
  // An empty variable means "unset", as in most shells and compose files.
  const plain: Record<string, string> = {};
  for (const name of SETTING_NAMES) {
    const value = env[name];
    if (value !== undefined && value !== '') plain[name] = value;
  }
  const values = new EnvironmentVariables();
  const problems: EnvironmentProblem[] = [];
  for (const { schema, help } of FEATURES) {
    const own = Object.fromEntries(Object.keys(help).flatMap((name) => (name in plain ? [[name, plain[name]]] : [])));
    const feature = plainToInstance(schema as new () => object, own);
    problems.push(
      ...validateSync(feature, { skipMissingProperties: false }).flatMap((error) =>
        Object.values(error.constraints ?? {}).map((problem) => ({ variable: error.property, problem })),
      ),
    );
    Object.assign(values, feature);
  }
  return { values, problems };
}
