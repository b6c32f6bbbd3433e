import { IsIn, IsOptional, IsString, Matches, MinLength } from 'class-validator';
import {
  isPhoneRegion,
  type MessageCatalog,
  type MessageKind,
  type MessageSettings,
  MESSAGE_KINDS,
  messageProblem,
  OTP_LENGTH,
  pickMessage,
  type TemplateCost,
  templateCosts,
  webhookSecretKey,
} from '@app/domain';
import { addressList } from '../address-list.js';
import { outboundUrlProblem } from '../outbound-urls.js';
import type { AuthSettings } from './auth.config.js';
import { type FeatureContext, GROUPS, type HelpOf, HTTP_URL, POSITIVE, splitList, WEBHOOK_SECRET } from './shared.js';

/** The transports a message can go through, in the words SMS_TRANSPORT uses. */
export const TRANSPORT_NAMES = ['simulated', 'webhook', 'twilio', 'vonage', 'smsru', 'whatsapp', 'telegram'] as const;
export type TransportName = (typeof TRANSPORT_NAMES)[number];

const TRANSPORT = `(${TRANSPORT_NAMES.join('|')})`;
const TRANSPORT_LIST = new RegExp(`^${TRANSPORT}(\\s*,\\s*${TRANSPORT})*$`);

/** A language subtag as the templates are keyed: `en`, `ru`, `de`. */
const LANGUAGE = /^[a-z]{2,3}$/;
const SEGMENTS = /^([1-9]|10)$/;
const COUNTRY_LOCALES = /^(none|[A-Za-z]{2}:[a-z]{2,3}(\s*,\s*[A-Za-z]{2}:[a-z]{2,3})*)$/;
/** SMS_TEMPLATES' names of the kinds: JSON keys with underscores. */
const JSON_KEYS: Record<MessageKind, string> = { 'sign-in': 'sign_in', 'phone-change': 'phone_change' };

/** SMS delivery: the transports in order, each gateway's account, the message. */
export class SmsSettings {
  @IsOptional()
  @Matches(/^[\d.:a-fA-F/]+(\s*,\s*[\d.:a-fA-F/]+)*$/, {
    message: 'DEV_INBOX_FROM must be a comma-separated list of addresses or CIDRs',
  })
  DEV_INBOX_FROM?: string;

  @IsOptional()
  @Matches(TRANSPORT_LIST, {
    message: `SMS_TRANSPORT must be one of ${TRANSPORT_NAMES.join(', ')}, or a comma-separated list of them`,
  })
  SMS_TRANSPORT?: string;

  @IsOptional()
  @Matches(HTTP_URL, { message: 'SMS_WEBHOOK_URL must be an http:// or https:// URL' })
  SMS_WEBHOOK_URL?: string;

  @IsOptional()
  @Matches(WEBHOOK_SECRET, { message: 'SMS_WEBHOOK_SECRET must be whsec_ followed by base64' })
  SMS_WEBHOOK_SECRET?: string;

  @IsIn(['true', 'false'])
  ALLOW_HTTP_TO_PRIVATE_HOSTS = 'false';

  @Matches(POSITIVE, { message: 'SMS_GATEWAY_TIMEOUT_MS must be a number of milliseconds' })
  SMS_GATEWAY_TIMEOUT_MS = '10000';

  @Matches(/^\d+(-\d+)?$/, { message: 'SMS_DELAY_MS must be a number of milliseconds or a range like 1000-2000' })
  SMS_DELAY_MS = '1000-2000';

  @IsString()
  @MinLength(1)
  SMS_TEMPLATE = 'Your sign-in code is {code}. It expires in {minutes} min. Never share it with anyone.';

  @IsString()
  @MinLength(1)
  SMS_PHONE_CHANGE_TEMPLATE =
    '{code} is a code to move an account of {app} to this number. Never share it. Expires in {minutes} min.';

  // One UCS-2 segment (70 characters) with a 999-minute lifetime and no autofill lines.
  @IsString()
  @MinLength(1)
  SMS_TEMPLATE_RU = 'Код для входа: {code}. Действует {minutes} мин. Никому не сообщайте.';

  // No {app}: "moves an account of Referral service to this number" and the warning are over 70 characters.
  @IsString()
  @MinLength(1)
  SMS_PHONE_CHANGE_TEMPLATE_RU = 'Код {code} переносит аккаунт на этот номер. Никому не сообщайте.';

  @IsOptional()
  @IsString()
  SMS_TEMPLATES?: string;

  @Matches(LANGUAGE, { message: 'SMS_DEFAULT_LOCALE must be a lower-case language subtag such as en or ru' })
  SMS_DEFAULT_LOCALE = 'en';

  @Matches(COUNTRY_LOCALES, {
    message: 'SMS_COUNTRY_LOCALES must be CC:lang pairs such as RU:ru,KZ:ru, comma-separated, or none',
  })
  SMS_COUNTRY_LOCALES = 'RU:ru,BY:ru,KZ:ru,KG:ru';

  @Matches(SEGMENTS, { message: 'SMS_MAX_SEGMENTS must be a whole number from 1 to 10' })
  SMS_MAX_SEGMENTS = '1';

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
}

const group = GROUPS.sms;
export const SMS_HELP: HelpOf<SmsSettings> = {
  DEV_INBOX_FROM: {
    group,
    meaning:
      'with SMS_TRANSPORT=simulated: addresses or CIDRs besides loopback whose connections may read the simulated inbox (the compose demo: its network gateway)',
    default: 'unset: this machine only',
  },
  SMS_TRANSPORT: {
    group,
    meaning: `the channels' transports, tried in this order: ${TRANSPORT_NAMES.join(', ')}, or a list of them (whatsapp and telegram are channels of their own; a sign-up's preferred channel goes first)`,
    default: 'simulated (webhook in production, where simulated is refused)',
  },
  SMS_WEBHOOK_URL: {
    group,
    meaning: 'where the webhook transport POSTs each message; user:password@ in it is sent as basic auth',
  },
  SMS_WEBHOOK_SECRET: {
    group,
    meaning: 'whsec_…: the Standard Webhooks secret each SMS webhook request is signed with (required with it)',
  },
  ALLOW_HTTP_TO_PRIVATE_HOSTS: {
    group,
    meaning:
      'true lets production use http:// gateway and webhook URLs whose host is loopback or private (a sidecar); otherwise https:// only',
  },
  SMS_GATEWAY_TIMEOUT_MS: { group, meaning: 'how long a gateway may take to answer' },
  SMS_DELAY_MS: { group, meaning: "the simulated gateway's wait: milliseconds or a range" },
  SMS_TEMPLATE: {
    group,
    meaning:
      'the English (en) message, with {code}, {minutes} and {app}; at most SMS_MAX_SEGMENTS segments with the autofill lines',
  },
  SMS_PHONE_CHANGE_TEMPLATE: {
    group,
    meaning:
      'the English message of a code that moves an account to the number (POST /users/me/phone/), as SMS_TEMPLATE: it must not read as a sign-in code, which a person might read out to whoever asks',
  },
  SMS_TEMPLATE_RU: {
    group,
    meaning:
      'the Russian (ru) message, as SMS_TEMPLATE; Cyrillic is UCS-2, 70 characters to a segment: the default is 60 at most, and the Russian messages take 2 segments with SMS_WEBOTP_DOMAIN or SMS_ANDROID_APP_HASH (SMS_MAX_SEGMENTS=2, or shorter templates)',
  },
  SMS_PHONE_CHANGE_TEMPLATE_RU: { group, meaning: 'the Russian phone-change message, as SMS_PHONE_CHANGE_TEMPLATE' },
  SMS_TEMPLATES: {
    group,
    meaning:
      'JSON: more languages, {"de": {"sign_in": "…", "phone_change": "…"}}, keyed by lower-case language subtag, both kinds each; may replace en or ru',
  },
  SMS_DEFAULT_LOCALE: {
    group,
    meaning:
      "the language of a message when neither the sign-up's locale nor SMS_COUNTRY_LOCALES names one with templates",
  },
  SMS_COUNTRY_LOCALES: {
    group,
    meaning:
      "CC:lang pairs, comma-separated: the language of a number's country (ISO 3166 alpha-2) when the sign-up named none with templates; none for no pairs",
  },
  SMS_MAX_SEGMENTS: {
    group,
    meaning:
      'the most SMS segments (1 to 10) any template may make with the longest code and the autofill lines; each segment is billed as a message',
  },
  APP_NAME: { group, meaning: 'the {app} of the templates' },
  SMS_WEBOTP_DOMAIN: { group, meaning: 'adds the `@domain #code` line (WebOTP, Safari autofill)' },
  SMS_ANDROID_APP_HASH: { group, meaning: 'the Android SMS Retriever app hash, appended to the message' },
  TWILIO_ACCOUNT_SID: { group, meaning: 'Twilio: the account (AC…)' },
  TWILIO_AUTH_TOKEN: { group, meaning: "Twilio: the account's auth token" },
  TWILIO_FROM: { group, meaning: 'Twilio: the sender number or alphanumeric ID' },
  TWILIO_MESSAGING_SERVICE_SID: { group, meaning: 'Twilio: a messaging service (MG…) instead of TWILIO_FROM' },
  TWILIO_API_URL: { group, meaning: "Twilio's API" },
  VONAGE_API_KEY: { group, meaning: 'Vonage: the API key' },
  VONAGE_API_SECRET: { group, meaning: 'Vonage: the API secret' },
  VONAGE_FROM: { group, meaning: 'Vonage: the sender number or alphanumeric ID' },
  VONAGE_API_URL: { group, meaning: "Vonage's SMS API" },
  SMSRU_API_ID: { group, meaning: 'SMS.ru: the api_id' },
  SMSRU_FROM: { group, meaning: 'SMS.ru: the sender name' },
  SMSRU_API_URL: { group, meaning: "SMS.ru's API" },
};

export interface SmsConfig {
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
  /** The default language's sign-in message (SMS_TEMPLATE unless SMS_DEFAULT_LOCALE says otherwise). */
  message: MessageSettings;
  /** The same for a phone-change code's message. */
  phoneChangeMessage: MessageSettings;
  /** Every language's templates: pickMessage chooses a person's. */
  catalog: MessageCatalog;
  /** Each template's longest message, in characters and segments, for the start log. */
  templateCosts: TemplateCost[];
}

export function smsConfig(
  v: SmsSettings & Pick<AuthSettings, 'CODE_TTL_SECONDS'>,
  { isProduction, problem }: FeatureContext,
): SmsConfig {
  const transports = splitList(v.SMS_TRANSPORT ?? (isProduction ? 'webhook' : 'simulated')) as TransportName[];
  if (new Set(transports).size !== transports.length) problem('SMS_TRANSPORT', 'names a transport twice');
  if (transports.includes('simulated')) {
    if (isProduction) problem('SMS_TRANSPORT', 'the simulated transport is refused when NODE_ENV=production');
    if (transports.length > 1) problem('SMS_TRANSPORT', 'the simulated transport stands alone: it sends nothing');
  }
  const required = (transport: TransportName, variables: Array<keyof SmsSettings>) => {
    if (!transports.includes(transport)) return;
    for (const variable of variables) {
      if (!v[variable]) problem(variable, `is required when SMS_TRANSPORT includes ${transport}`);
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
  const webhookSecret = v.SMS_WEBHOOK_SECRET ? webhookSecretKey(v.SMS_WEBHOOK_SECRET) : null;
  if (webhookSecret && webhookSecret.length < 24) problem('SMS_WEBHOOK_SECRET', 'must hold at least 24 bytes');

  // Production sends codes over https only (a sidecar may be allowed plain http).
  if (isProduction) {
    const used: Array<[keyof SmsSettings, string | undefined, boolean]> = [
      ['SMS_WEBHOOK_URL', v.SMS_WEBHOOK_URL, transports.includes('webhook')],
      ['TWILIO_API_URL', v.TWILIO_API_URL, transports.includes('twilio')],
      ['VONAGE_API_URL', v.VONAGE_API_URL, transports.includes('vonage')],
      ['SMSRU_API_URL', v.SMSRU_API_URL, transports.includes('smsru')],
    ];
    for (const [variable, url, inUse] of used) {
      const refused = inUse && url ? outboundUrlProblem(url, v.ALLOW_HTTP_TO_PRIVATE_HOSTS === 'true') : null;
      if (refused) problem(variable, refused);
    }
  }

  const catalog = messageCatalog(v, Number(v.CODE_TTL_SECONDS), problem);
  // A default without templates is a problem already; en only keeps this from throwing before it is reported.
  const defaults = catalog.templates[catalog.defaultLocale] ?? catalog.templates.en;
  const message: MessageSettings = {
    template: defaults['sign-in'],
    appName: catalog.appName,
    webOtpDomain: catalog.webOtpDomain,
    androidAppHash: catalog.androidAppHash,
  };
  const phoneChangeMessage: MessageSettings = { ...message, template: defaults['phone-change'] };

  const [delayMin, delayMax = delayMin] = v.SMS_DELAY_MS.split('-').map(Number);
  if (delayMin > delayMax) problem('SMS_DELAY_MS', 'the range must go from low to high');

  const inboxFrom = splitList(v.DEV_INBOX_FROM ?? '');
  try {
    addressList(inboxFrom);
  } catch (error) {
    problem('DEV_INBOX_FROM', (error as Error).message);
  }

  return {
    transports,
    inboxFrom,
    webhookUrl: v.SMS_WEBHOOK_URL ?? null,
    webhookSecret,
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
    phoneChangeMessage,
    catalog,
    templateCosts: templateCosts(catalog, Number(v.CODE_TTL_SECONDS), OTP_LENGTH),
  };
}

/**
 * The templates of every language, each checked against SMS_MAX_SEGMENTS with
 * the longest code, and the rules that choose a person's language.
 */
function messageCatalog(v: SmsSettings, ttlSeconds: number, problem: FeatureContext['problem']): MessageCatalog {
  const maxSegments = Number(v.SMS_MAX_SEGMENTS);
  const templates: MessageCatalog['templates'] = {
    en: { 'sign-in': v.SMS_TEMPLATE, 'phone-change': v.SMS_PHONE_CHANGE_TEMPLATE },
    ru: { 'sign-in': v.SMS_TEMPLATE_RU, 'phone-change': v.SMS_PHONE_CHANGE_TEMPLATE_RU },
  };
  // Where each template came from, so a problem names the variable to change.
  const sources: Record<string, Record<MessageKind, string>> = {
    en: { 'sign-in': 'SMS_TEMPLATE', 'phone-change': 'SMS_PHONE_CHANGE_TEMPLATE' },
    ru: { 'sign-in': 'SMS_TEMPLATE_RU', 'phone-change': 'SMS_PHONE_CHANGE_TEMPLATE_RU' },
  };
  for (const [locale, kinds] of Object.entries(extraTemplates(v.SMS_TEMPLATES, problem))) {
    templates[locale] = kinds;
    sources[locale] = { 'sign-in': 'SMS_TEMPLATES', 'phone-change': 'SMS_TEMPLATES' };
  }

  const catalog: MessageCatalog = {
    defaultLocale: v.SMS_DEFAULT_LOCALE,
    templates,
    countryLocales: {},
    appName: v.APP_NAME,
    webOtpDomain: v.SMS_WEBOTP_DOMAIN ?? null,
    androidAppHash: v.SMS_ANDROID_APP_HASH ?? null,
    maxSegments,
  };
  // A bad SMS_MAX_SEGMENTS, SMS_DEFAULT_LOCALE or SMS_COUNTRY_LOCALES is named by its schema: no second problem of it.
  const segmentsKnown = SEGMENTS.test(v.SMS_MAX_SEGMENTS);
  for (const locale of segmentsKnown ? Object.keys(templates) : []) {
    for (const kind of MESSAGE_KINDS) {
      const error = messageProblem(pickMessage(catalog, kind, locale, null).settings, ttlSeconds, maxSegments);
      const variable = sources[locale][kind];
      if (error) problem(variable, variable === 'SMS_TEMPLATES' ? `${locale}.${JSON_KEYS[kind]} ${error}` : error);
    }
  }

  const known = Object.keys(templates).join(', ');
  if (LANGUAGE.test(catalog.defaultLocale) && !Object.hasOwn(templates, catalog.defaultLocale)) {
    problem('SMS_DEFAULT_LOCALE', `"${catalog.defaultLocale}" has no templates (languages with templates: ${known})`);
  }
  const pairs =
    v.SMS_COUNTRY_LOCALES === 'none' || !COUNTRY_LOCALES.test(v.SMS_COUNTRY_LOCALES)
      ? []
      : splitList(v.SMS_COUNTRY_LOCALES);
  for (const pair of pairs) {
    const [rawCountry, locale] = pair.split(':');
    const country = rawCountry.toUpperCase();
    if (!isPhoneRegion(country)) problem('SMS_COUNTRY_LOCALES', `"${rawCountry}" is not a region libphonenumber knows`);
    else if (Object.hasOwn(catalog.countryLocales, country)) problem('SMS_COUNTRY_LOCALES', `names ${country} twice`);
    else if (!Object.hasOwn(templates, locale))
      problem('SMS_COUNTRY_LOCALES', `${pair}: "${locale}" has no templates (languages with templates: ${known})`);
    catalog.countryLocales[country] = locale;
  }
  return catalog;
}

/** SMS_TEMPLATES, read: `{"de": {"sign_in": "…", "phone_change": "…"}}`. */
function extraTemplates(value: string | undefined, problem: FeatureContext['problem']): MessageCatalog['templates'] {
  if (value === undefined) return {};
  const shape = 'must be a JSON object such as {"de": {"sign_in": "…", "phone_change": "…"}}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    problem('SMS_TEMPLATES', `is not JSON (${(error as Error).message}): it ${shape}`);
    return {};
  }
  const isObject = (x: unknown): x is Record<string, unknown> =>
    typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isObject(parsed)) {
    problem('SMS_TEMPLATES', shape);
    return {};
  }
  const templates: MessageCatalog['templates'] = {};
  for (const [locale, kinds] of Object.entries(parsed)) {
    if (!LANGUAGE.test(locale)) {
      problem('SMS_TEMPLATES', `"${locale}" is not a lower-case language subtag such as de or pt`);
      continue;
    }
    if (!isObject(kinds)) {
      problem('SMS_TEMPLATES', `${locale} must be an object such as {"sign_in": "…", "phone_change": "…"}`);
      continue;
    }
    const keys = Object.values(JSON_KEYS);
    const unknown = Object.keys(kinds).filter((key) => !keys.includes(key));
    const missing = keys.filter((key) => typeof kinds[key] !== 'string' || kinds[key] === '');
    if (unknown.length > 0 || missing.length > 0) {
      const what = [
        missing.length > 0 ? `lacks ${missing.join(' and ')}` : '',
        unknown.length > 0 ? `has unknown keys ${unknown.join(', ')}` : '',
      ].filter(Boolean);
      problem('SMS_TEMPLATES', `${locale} ${what.join(' and ')}: each language needs sign_in and phone_change text`);
      continue;
    }
    templates[locale] = {
      'sign-in': kinds[JSON_KEYS['sign-in']] as string,
      'phone-change': kinds[JSON_KEYS['phone-change']] as string,
    };
  }
  return templates;
}
