/** What a setting is for, where it belongs, and its default when the schema's value is not the whole story. */
export interface SettingHelp {
  group: string;
  meaning: string;
  /** Said instead of the schema's default (a computed one, or one that depends on NODE_ENV). */
  default?: string;
}

/** One entry per setting of a feature's schema class (the type makes a missing one a compile error). */
export type HelpOf<Settings> = { readonly [K in keyof Settings]-?: SettingHelp };

/** The reference's sections (docs/configuration.md, .env.example), in order. */
export const GROUPS = {
  http: 'HTTP',
  database: 'Database',
  redis: 'Redis',
  auth: 'Sign-in and tokens',
  sms: 'SMS delivery',
  receipts: 'SMS delivery receipts',
  channels: 'WhatsApp and Telegram',
  botCheck: 'Bot check',
  pumping: 'SMS pumping',
  referrals: 'Referral lifecycle and rewards',
  events: 'Referral events',
  operations: 'Operations',
} as const;

export const INTEGER = /^\d+$/;
export const POSITIVE = /^[1-9]\d*$/;
export const HTTP_URL = /^https?:\/\/\S+$/;
export const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

export type NodeEnv = 'development' | 'production' | 'test';

/** Which process loads the settings: a worker needs no token key. */
export type ProcessRole = 'api' | 'worker';

/** What every feature's builder is given besides the values: where it runs, and where its problems go. */
export interface FeatureContext {
  isProduction: boolean;
  role: ProcessRole;
  /** DATA_DIR, resolved. */
  dataDir: string;
  problem: (variable: string, text: string) => void;
}

export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}
