import { IsIn, IsOptional, Matches, MinLength } from 'class-validator';
import { outboundUrlProblem } from '../outbound-urls.js';
import { type FeatureContext, GROUPS, type HelpOf, HTTP_URL, POSITIVE, splitList } from './shared.js';

export const BOT_CHECK_PROVIDERS = ['turnstile', 'hcaptcha', 'recaptcha'] as const;
export type BotCheckProvider = (typeof BOT_CHECK_PROVIDERS)[number];

/** Each provider's documented siteverify endpoint. */
export const SITEVERIFY_URLS: Record<BotCheckProvider, string> = {
  turnstile: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
  hcaptcha: 'https://api.hcaptcha.com/siteverify',
  recaptcha: 'https://www.google.com/recaptcha/api/siteverify',
};

const TRIGGER = '(address|country|pumping)';
const WHEN = new RegExp(`^(always|${TRIGGER}(\\s*,\\s*${TRIGGER})*)$`);

/** A bot check (a captcha widget's token, checked with the provider) before a code is sent. */
export class BotCheckSettings {
  @IsIn(['off', ...BOT_CHECK_PROVIDERS])
  BOT_CHECK_PROVIDER = 'off';

  @IsOptional()
  @MinLength(8)
  BOT_CHECK_SITE_KEY?: string;

  @IsOptional()
  @MinLength(8)
  BOT_CHECK_SECRET?: string;

  @IsOptional()
  @Matches(HTTP_URL, { message: 'BOT_CHECK_VERIFY_URL must be an http:// or https:// URL' })
  BOT_CHECK_VERIFY_URL?: string;

  @Matches(WHEN, { message: 'BOT_CHECK_WHEN must be always, or a comma-separated list of address, country, pumping' })
  BOT_CHECK_WHEN = 'always';

  @Matches(POSITIVE, { message: 'BOT_CHECK_ADDRESS_THRESHOLD must be a number of sign-ups' })
  BOT_CHECK_ADDRESS_THRESHOLD = '3';

  @Matches(POSITIVE, { message: 'BOT_CHECK_COUNTRY_THRESHOLD must be a number of sign-ups' })
  BOT_CHECK_COUNTRY_THRESHOLD = '200';

  @Matches(POSITIVE, { message: 'BOT_CHECK_WINDOW_SECONDS must be a number of seconds' })
  BOT_CHECK_WINDOW_SECONDS = '3600';

  @Matches(POSITIVE, { message: 'BOT_CHECK_TIMEOUT_MS must be a number of milliseconds' })
  BOT_CHECK_TIMEOUT_MS = '3000';

  @IsIn(['allow', 'refuse'])
  BOT_CHECK_ON_UNAVAILABLE = 'allow';

  @Matches(/^(0(\.\d+)?|1(\.0+)?)$/, { message: 'BOT_CHECK_MIN_SCORE must be a score between 0 and 1, such as 0.5' })
  BOT_CHECK_MIN_SCORE = '0.5';

  @IsOptional()
  @Matches(/^[a-z0-9.-]+(\s*,\s*[a-z0-9.-]+)*$/, {
    message: 'BOT_CHECK_HOSTNAMES must be a comma-separated list of host names',
  })
  BOT_CHECK_HOSTNAMES?: string;
}

const group = GROUPS.botCheck;
export const BOT_CHECK_HELP: HelpOf<BotCheckSettings> = {
  BOT_CHECK_PROVIDER: {
    group,
    meaning: `off, or the provider whose widget the sign-up page shows and whose siteverify checks its token: ${BOT_CHECK_PROVIDERS.join(', ')}`,
  },
  BOT_CHECK_SITE_KEY: { group, meaning: "the widget's site key (public; the page renders the widget with it)" },
  BOT_CHECK_SECRET: { group, meaning: "the provider's secret key for siteverify (required with a provider)" },
  BOT_CHECK_VERIFY_URL: { group, meaning: "the provider's siteverify URL", default: "the provider's documented one" },
  BOT_CHECK_WHEN: {
    group,
    meaning:
      "always; or when any of: address (an address's sign-ups in the window passed BOT_CHECK_ADDRESS_THRESHOLD), country (a country's passed BOT_CHECK_COUNTRY_THRESHOLD), pumping (the number's range is flagged by the conversion check; a person who passes the check is then let through instead of refused)",
  },
  BOT_CHECK_ADDRESS_THRESHOLD: {
    group,
    meaning: 'sign-ups from one address (IPv6: its /64) in the window without a check',
  },
  BOT_CHECK_COUNTRY_THRESHOLD: { group, meaning: "sign-ups for one country's numbers in the window without a check" },
  BOT_CHECK_WINDOW_SECONDS: { group, meaning: 'the window the address and country thresholds count over' },
  BOT_CHECK_TIMEOUT_MS: { group, meaning: 'how long siteverify may take before the provider counts as unavailable' },
  BOT_CHECK_ON_UNAVAILABLE: {
    group,
    meaning:
      'when the provider does not answer in time (or answers an error of its own): allow lets the sign-up through to the other limits, refuse answers 503; both are logged and counted',
  },
  BOT_CHECK_MIN_SCORE: { group, meaning: 'the least score (reCAPTCHA v3, hCaptcha Enterprise) that passes' },
  BOT_CHECK_HOSTNAMES: {
    group,
    meaning: 'the host names the widget may have been solved on (the answer’s hostname)',
    default: 'unset: any',
  },
};

export interface BotCheckConfig {
  provider: BotCheckProvider;
  siteKey: string;
  secret: string;
  verifyUrl: string;
  /** Always required, or only when one of the triggers holds. */
  always: boolean;
  /** Sign-ups an address may make in the window without a check; null: not a trigger. */
  addressThreshold: number | null;
  countryThreshold: number | null;
  pumping: boolean;
  windowSeconds: number;
  timeoutMs: number;
  onUnavailable: 'allow' | 'refuse';
  minScore: number;
  hostnames: string[];
}

export function botCheckConfig(
  v: BotCheckSettings & { ALLOW_HTTP_TO_PRIVATE_HOSTS: string },
  { isProduction, problem }: FeatureContext,
  conversionOn: boolean,
): BotCheckConfig | null {
  if (v.BOT_CHECK_PROVIDER === 'off') return null;
  const provider = v.BOT_CHECK_PROVIDER as BotCheckProvider;
  for (const variable of ['BOT_CHECK_SITE_KEY', 'BOT_CHECK_SECRET'] as const) {
    if (!v[variable]) problem(variable, 'is required when BOT_CHECK_PROVIDER is set');
  }
  // Production calls out over https only, as it does to the gateways (a sidecar may be allowed plain http).
  const refused =
    isProduction && v.BOT_CHECK_VERIFY_URL
      ? outboundUrlProblem(v.BOT_CHECK_VERIFY_URL, v.ALLOW_HTTP_TO_PRIVATE_HOSTS === 'true')
      : null;
  if (refused) problem('BOT_CHECK_VERIFY_URL', refused);
  const triggers = splitList(v.BOT_CHECK_WHEN);
  const always = triggers.includes('always');
  if (triggers.includes('pumping') && !conversionOn) {
    problem('BOT_CHECK_WHEN', 'pumping needs the conversion check: SMS_CONVERSION_MODE enforce or shadow');
  }
  return {
    provider,
    siteKey: v.BOT_CHECK_SITE_KEY ?? '',
    secret: v.BOT_CHECK_SECRET ?? '',
    verifyUrl: v.BOT_CHECK_VERIFY_URL ?? SITEVERIFY_URLS[provider],
    always,
    addressThreshold: !always && triggers.includes('address') ? Number(v.BOT_CHECK_ADDRESS_THRESHOLD) : null,
    countryThreshold: !always && triggers.includes('country') ? Number(v.BOT_CHECK_COUNTRY_THRESHOLD) : null,
    pumping: !always && triggers.includes('pumping'),
    windowSeconds: Number(v.BOT_CHECK_WINDOW_SECONDS),
    timeoutMs: Number(v.BOT_CHECK_TIMEOUT_MS),
    onUnavailable: v.BOT_CHECK_ON_UNAVAILABLE as 'allow' | 'refuse',
    minScore: Number(v.BOT_CHECK_MIN_SCORE),
    hostnames: splitList(v.BOT_CHECK_HOSTNAMES ?? ''),
  };
}
