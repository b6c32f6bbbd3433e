import { IsOptional, Matches, MinLength } from 'class-validator';
import { outboundUrlProblem } from '../outbound-urls.js';
import { type FeatureContext, GROUPS, type HelpOf, HTTP_URL, splitList } from './shared.js';
import type { TransportName } from './sms.config.js';

/** The ways a code reaches a person: each transport belongs to one. */
export const CHANNELS = ['sms', 'whatsapp', 'telegram'] as const;
export type Channel = (typeof CHANNELS)[number];

/** The channel of each transport of SMS_TRANSPORT. */
export const CHANNEL_OF: Record<TransportName, Channel> = {
  simulated: 'sms',
  webhook: 'sms',
  twilio: 'sms',
  vonage: 'sms',
  smsru: 'sms',
  whatsapp: 'whatsapp',
  telegram: 'telegram',
};

const LANGUAGE_PAIRS = /^[a-z]{2,3}:[A-Za-z_]{2,8}(\s*,\s*[a-z]{2,3}:[A-Za-z_]{2,8})*$/;

/** WhatsApp (Cloud API) and Telegram (Gateway API): the channels besides SMS. */
export class ChannelSettings {
  @IsOptional()
  @MinLength(16)
  WHATSAPP_ACCESS_TOKEN?: string;

  @IsOptional()
  @Matches(/^\d{5,20}$/, { message: 'WHATSAPP_PHONE_NUMBER_ID must be the numeric id of the business phone number' })
  WHATSAPP_PHONE_NUMBER_ID?: string;

  @Matches(/^[a-z0-9_]{1,512}$/, {
    message: 'WHATSAPP_TEMPLATE must be an approved template name: lower-case letters, digits and underscores',
  })
  WHATSAPP_TEMPLATE = 'sign_in_code';

  @Matches(LANGUAGE_PAIRS, {
    message: 'WHATSAPP_TEMPLATE_LANGUAGES must be lang:code pairs such as en:en_US,ru:ru, comma-separated',
  })
  WHATSAPP_TEMPLATE_LANGUAGES = 'en:en_US,ru:ru';

  @IsOptional()
  @MinLength(16)
  WHATSAPP_APP_SECRET?: string;

  @IsOptional()
  @MinLength(8)
  WHATSAPP_VERIFY_TOKEN?: string;

  @Matches(HTTP_URL, { message: 'WHATSAPP_API_URL must be an http:// or https:// URL' })
  WHATSAPP_API_URL = 'https://graph.facebook.com/v23.0';

  @IsOptional()
  @MinLength(16)
  TELEGRAM_GATEWAY_TOKEN?: string;

  @IsOptional()
  @Matches(/^[A-Za-z][A-Za-z0-9_]{4,31}$/, { message: 'TELEGRAM_SENDER_USERNAME must be a Telegram username' })
  TELEGRAM_SENDER_USERNAME?: string;

  @Matches(HTTP_URL, { message: 'TELEGRAM_GATEWAY_API_URL must be an http:// or https:// URL' })
  TELEGRAM_GATEWAY_API_URL = 'https://gatewayapi.telegram.org';
}

const group = GROUPS.channels;
export const CHANNELS_HELP: HelpOf<ChannelSettings> = {
  WHATSAPP_ACCESS_TOKEN: {
    group,
    meaning: 'WhatsApp Cloud API: a system user access token with whatsapp_business_messaging (required with whatsapp)',
  },
  WHATSAPP_PHONE_NUMBER_ID: {
    group,
    meaning: "WhatsApp Cloud API: the business phone number's id the codes are sent from (required with whatsapp)",
  },
  WHATSAPP_TEMPLATE: {
    group,
    meaning:
      'the approved authentication template (copy-code button) whose body and button take the code; one name in every language',
  },
  WHATSAPP_TEMPLATE_LANGUAGES: {
    group,
    meaning:
      "lang:code pairs: the template's WhatsApp language code for each message language (docs/sms.md, locales); a language not named uses its own subtag",
  },
  WHATSAPP_APP_SECRET: {
    group,
    meaning:
      "the Meta app's secret: status webhooks must carry X-Hub-Signature-256 made with it (required with whatsapp and SMS_RECEIPTS_URL)",
  },
  WHATSAPP_VERIFY_TOKEN: {
    group,
    meaning:
      "the verify token typed into the app's webhook settings: GET /api/v1/hooks/whatsapp/ answers Meta's subscription check with it",
    default: 'unset: the subscription check is refused',
  },
  WHATSAPP_API_URL: { group, meaning: 'the Graph API, with its version' },
  TELEGRAM_GATEWAY_TOKEN: {
    group,
    meaning: 'Telegram Gateway: the API token of the account (required with telegram); it also signs delivery reports',
  },
  TELEGRAM_SENDER_USERNAME: {
    group,
    meaning: 'Telegram Gateway: a verified channel the codes are sent from, instead of the Verification Codes chat',
  },
  TELEGRAM_GATEWAY_API_URL: { group, meaning: "Telegram Gateway's API" },
};

export interface ChannelsConfig {
  whatsapp: {
    accessToken: string;
    phoneNumberId: string;
    template: string;
    /** Our language subtag → the template's WhatsApp language code. */
    languages: Record<string, string>;
    apiUrl: string;
    /** Checks X-Hub-Signature-256 of the status webhooks; null: no status webhook is accepted. */
    appSecret: string | null;
    verifyToken: string | null;
  } | null;
  telegram: { token: string; senderUsername: string | null; apiUrl: string } | null;
}

export function channelsConfig(
  v: ChannelSettings & { SMS_TRANSPORT?: string; SMS_RECEIPTS_URL?: string; ALLOW_HTTP_TO_PRIVATE_HOSTS: string },
  { isProduction, problem }: FeatureContext,
): ChannelsConfig {
  const transports = splitList(v.SMS_TRANSPORT ?? '');
  const uses = (name: TransportName) => transports.includes(name);
  const required = (transport: TransportName, variables: Array<keyof ChannelSettings>) => {
    if (!uses(transport)) return;
    for (const variable of variables) {
      if (!v[variable]) problem(variable, `is required when SMS_TRANSPORT includes ${transport}`);
    }
  };
  required('whatsapp', ['WHATSAPP_ACCESS_TOKEN', 'WHATSAPP_PHONE_NUMBER_ID']);
  required('telegram', ['TELEGRAM_GATEWAY_TOKEN']);
  if (uses('whatsapp') && v.SMS_RECEIPTS_URL && !v.WHATSAPP_APP_SECRET) {
    problem('WHATSAPP_APP_SECRET', 'is required when SMS_RECEIPTS_URL is set and SMS_TRANSPORT includes whatsapp');
  }
  if (isProduction) {
    const used: Array<[keyof ChannelSettings, string, boolean]> = [
      ['WHATSAPP_API_URL', v.WHATSAPP_API_URL, uses('whatsapp')],
      ['TELEGRAM_GATEWAY_API_URL', v.TELEGRAM_GATEWAY_API_URL, uses('telegram')],
    ];
    for (const [variable, url, inUse] of used) {
      const refused = inUse ? outboundUrlProblem(url, v.ALLOW_HTTP_TO_PRIVATE_HOSTS === 'true') : null;
      if (refused) problem(variable, refused);
    }
  }
  const languages: Record<string, string> = {};
  if (LANGUAGE_PAIRS.test(v.WHATSAPP_TEMPLATE_LANGUAGES)) {
    for (const pair of splitList(v.WHATSAPP_TEMPLATE_LANGUAGES)) {
      const [language, code] = pair.split(':');
      if (Object.hasOwn(languages, language)) problem('WHATSAPP_TEMPLATE_LANGUAGES', `names ${language} twice`);
      languages[language] = code;
    }
  }
  return {
    whatsapp: uses('whatsapp')
      ? {
          accessToken: v.WHATSAPP_ACCESS_TOKEN!,
          phoneNumberId: v.WHATSAPP_PHONE_NUMBER_ID!,
          template: v.WHATSAPP_TEMPLATE,
          languages,
          apiUrl: v.WHATSAPP_API_URL,
          appSecret: v.WHATSAPP_APP_SECRET ?? null,
          verifyToken: v.WHATSAPP_VERIFY_TOKEN ?? null,
        }
      : null,
    telegram: uses('telegram')
      ? {
          token: v.TELEGRAM_GATEWAY_TOKEN!,
          senderUsername: v.TELEGRAM_SENDER_USERNAME ?? null,
          apiUrl: v.TELEGRAM_GATEWAY_API_URL,
        }
      : null,
  };
}

/**
 * The order a code's transports are tried in: the deployment's (SMS_TRANSPORT),
 * with the preferred channel's transports moved to the front. A phone-change
 * code goes by SMS first whatever was preferred: WhatsApp's and Telegram's
 * messages are their own fixed text ("is your verification code"), while ours
 * says the code moves an account, which a person asked to read it out should see.
 */
export function transportOrder<T extends { name: TransportName }>(
  transports: readonly T[],
  preferred: Channel | null,
  phoneChange = false,
): T[] {
  const first = phoneChange ? 'sms' : preferred;
  if (first === null) return [...transports];
  return [
    ...transports.filter(({ name }) => CHANNEL_OF[name] === first),
    ...transports.filter(({ name }) => CHANNEL_OF[name] !== first),
  ];
}
