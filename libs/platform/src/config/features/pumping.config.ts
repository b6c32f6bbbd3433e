import { IsOptional, Matches } from 'class-validator';
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
};

/** The defences against SMS pumping: countries, and budgets of codes per rolling hour (null: none). */
export interface PumpingConfig {
  countriesAllowed: ReadonlySet<string> | null;
  countriesDenied: ReadonlySet<string>;
  perHour: number | null;
  perCountryPerHour: number | null;
  perBlockPerHour: number | null;
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
  };
}
