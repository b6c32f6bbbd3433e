import { IsIn, IsOptional, Matches } from 'class-validator';
import { isPhoneRegion } from '@app/domain';
import { type FeatureContext, GROUPS, type HelpOf, INTEGER, splitList } from './shared.js';

const COUNTRY_LIST = /^([A-Za-z]{2}(\s*,\s*[A-Za-z]{2})*)?$/;

/** The SMS pumping budgets' defaults in production (SPEC section 7); outside production they are off. */
export const PRODUCTION_BUDGETS = { perHour: 10_000, perCountryPerHour: 2_000, perBlockPerHour: 30 };

/** The defences against SMS pumping: where codes may go, and how many per rolling hour. */
export class PumpingSettings {
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

  @IsOptional()
  @IsIn(['enforce', 'shadow', 'off'])
  SMS_CONVERSION_MODE?: string;

  @Matches(/^(0(\.\d+)?|1(\.0+)?)$/, {
    message: 'SMS_CONVERSION_MIN_RATIO must be a share between 0 and 1, such as 0.2',
  })
  SMS_CONVERSION_MIN_RATIO = '0.2';

  @Matches(INTEGER, { message: 'SMS_CONVERSION_MIN_CODES must be a number of numbers' })
  SMS_CONVERSION_MIN_CODES = '50';

  @Matches(INTEGER, { message: 'SMS_CONVERSION_WINDOW_SECONDS must be a number of seconds' })
  SMS_CONVERSION_WINDOW_SECONDS = '3600';

  @Matches(INTEGER, { message: 'SMS_CONVERSION_SETTLE_SECONDS must be a number of seconds' })
  SMS_CONVERSION_SETTLE_SECONDS = '120';

  @Matches(/^[1-9]$/, { message: 'SMS_CONVERSION_RANGE_DIGITS must be a digit from 1 to 9' })
  SMS_CONVERSION_RANGE_DIGITS = '5';
}

const group = GROUPS.pumping;
export const PUMPING_HELP: HelpOf<PumpingSettings> = {
  PHONE_COUNTRIES_ALLOWED: { group, meaning: 'ISO 3166 alpha-2 codes; when set, codes go only there' },
  PHONE_COUNTRIES_DENIED: { group, meaning: 'ISO 3166 alpha-2 codes no code is sent to' },
  SMS_BUDGET_PER_HOUR: {
    group,
    meaning: 'codes per rolling hour for the whole deployment; 0 is off',
    default: '10000 in production, off otherwise',
  },
  SMS_BUDGET_PER_COUNTRY_PER_HOUR: {
    group,
    meaning: 'codes per rolling hour per country; 0 is off',
    default: '2000 in production, off otherwise',
  },
  SMS_BLOCK_LIMIT_PER_HOUR: {
    group,
    meaning: 'codes per rolling hour to one block of 1,000 numbers; 0 is off',
    default: '30 in production, off otherwise',
  },
  SMS_CONVERSION_MODE: {
    group,
    meaning:
      'pumping seen by conversion: enforce refuses codes to a number range whose numbers are not verified (429 SMS_BUDGET_EXCEEDED); shadow only logs and counts; off',
    default: 'enforce in production, off otherwise',
  },
  SMS_CONVERSION_MIN_RATIO: {
    group,
    meaning: 'a range trips when the share of its numbers that verified a code falls below this',
  },
  SMS_CONVERSION_MIN_CODES: {
    group,
    meaning:
      'and at least this many numbers of the range were sent a code in the window: a few unverified codes trip nothing',
  },
  SMS_CONVERSION_WINDOW_SECONDS: { group, meaning: 'the rolling window the conversion is counted over' },
  SMS_CONVERSION_SETTLE_SECONDS: {
    group,
    meaning:
      'codes younger than this are not counted yet (a person needs a minute to type a code: a launch spike is not an attack)',
  },
  SMS_CONVERSION_RANGE_DIGITS: {
    group,
    meaning: 'a range is a number without its last N digits: 5 makes ranges of 100,000 numbers (+79161xxxxxx)',
  },
};

/** The defences against SMS pumping: countries, and budgets of codes per rolling hour (null: none). */
export interface PumpingConfig {
  countriesAllowed: ReadonlySet<string> | null;
  countriesDenied: ReadonlySet<string>;
  perHour: number | null;
  perCountryPerHour: number | null;
  perBlockPerHour: number | null;
  /** Conversion by number range; null when off. */
  conversion: {
    mode: 'enforce' | 'shadow';
    minRatio: number;
    minCodes: number;
    windowSeconds: number;
    settleSeconds: number;
    rangeDigits: number;
  } | null;
}

export function pumpingConfig(v: PumpingSettings, { isProduction, problem }: FeatureContext): PumpingConfig {
  const countries = (variable: keyof PumpingSettings, value: string) =>
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
  return {
    countriesAllowed: allowed.length > 0 ? new Set(allowed) : null,
    countriesDenied: new Set(denied),
    perHour: budget(v.SMS_BUDGET_PER_HOUR, PRODUCTION_BUDGETS.perHour),
    perCountryPerHour: budget(v.SMS_BUDGET_PER_COUNTRY_PER_HOUR, PRODUCTION_BUDGETS.perCountryPerHour),
    perBlockPerHour: budget(v.SMS_BLOCK_LIMIT_PER_HOUR, PRODUCTION_BUDGETS.perBlockPerHour),
    conversion: conversionConfig(v, isProduction, problem),
  };
}

function conversionConfig(
  v: PumpingSettings,
  isProduction: boolean,
  problem: FeatureContext['problem'],
): PumpingConfig['conversion'] {
  const mode = v.SMS_CONVERSION_MODE ?? (isProduction ? 'enforce' : 'off');
  const windowSeconds = Number(v.SMS_CONVERSION_WINDOW_SECONDS);
  const settleSeconds = Number(v.SMS_CONVERSION_SETTLE_SECONDS);
  if (settleSeconds >= windowSeconds)
    problem('SMS_CONVERSION_SETTLE_SECONDS', 'must be shorter than SMS_CONVERSION_WINDOW_SECONDS');
  if (mode === 'off') return null;
  return {
    mode: mode as 'enforce' | 'shadow',
    minRatio: Number(v.SMS_CONVERSION_MIN_RATIO),
    minCodes: Math.max(1, Number(v.SMS_CONVERSION_MIN_CODES)),
    windowSeconds,
    settleSeconds,
    rangeDigits: Number(v.SMS_CONVERSION_RANGE_DIGITS),
  };
}
