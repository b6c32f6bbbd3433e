import { IsIn, IsOptional, Matches, MinLength } from 'class-validator';
import { outboundUrlProblem } from '../outbound-urls.js';
import { type FeatureContext, GROUPS, type HelpOf, HTTP_URL, INTEGER } from './shared.js';

/** How Vonage signs what it sends us, as its dashboard names the choice. */
export const VONAGE_SIGNATURE_METHODS = ['md5hash', 'md5', 'sha1', 'sha256', 'sha512'] as const;
export type VonageSignatureMethod = (typeof VONAGE_SIGNATURE_METHODS)[number];

/** Delivery receipts from the gateways, and the second route they open. */
export class ReceiptsSettings {
  @IsOptional()
  @Matches(HTTP_URL, { message: 'SMS_RECEIPTS_URL must be an http:// or https:// URL' })
  SMS_RECEIPTS_URL?: string;

  @Matches(INTEGER, { message: 'SMS_FALLBACK_AFTER_SECONDS must be a number of seconds (0: no fallback on silence)' })
  SMS_FALLBACK_AFTER_SECONDS = '120';

  @IsOptional()
  @MinLength(16)
  VONAGE_SIGNATURE_SECRET?: string;

  @IsIn(VONAGE_SIGNATURE_METHODS)
  VONAGE_SIGNATURE_METHOD = 'md5hash';
}

const group = GROUPS.receipts;
export const RECEIPTS_HELP: HelpOf<ReceiptsSettings> = {
  SMS_RECEIPTS_URL: {
    group,
    meaning:
      "the API's public address as the gateways reach it (https://api.example.com): Twilio and Vonage are asked to report each message's delivery to {this}/api/v1/hooks/sms/{twilio|vonage}/, and Twilio's signatures are checked against it",
    default: 'unset: no receipt is asked for, and no message waits for one',
  },
  SMS_FALLBACK_AFTER_SECONDS: {
    group,
    meaning:
      'with SMS_RECEIPTS_URL and a second transport: a message with no final receipt this long after the gateway took it is sent once more, same code, through the next transport; 0: only an undelivered or failed receipt does that',
  },
  VONAGE_SIGNATURE_SECRET: {
    group,
    meaning:
      "Vonage's signature secret: every delivery receipt must carry its signature (required with vonage receipts)",
  },
  VONAGE_SIGNATURE_METHOD: {
    group,
    meaning: `the signature method chosen in Vonage's dashboard: ${VONAGE_SIGNATURE_METHODS.join(', ')}`,
  },
};

export interface ReceiptsConfig {
  /** Where the gateways send receipts (no trailing slash); null when none is asked for. */
  baseUrl: string | null;
  /** Silence past this many seconds hands a message to the next transport; null: never on silence. */
  fallbackAfterSeconds: number | null;
  vonage: { secret: string; method: VonageSignatureMethod } | null;
}

export function receiptsConfig(
  v: ReceiptsSettings & { SMS_TRANSPORT?: string; ALLOW_HTTP_TO_PRIVATE_HOSTS: string },
  { isProduction, problem }: FeatureContext,
): ReceiptsConfig {
  const baseUrl = v.SMS_RECEIPTS_URL ? v.SMS_RECEIPTS_URL.replace(/\/+$/, '') : null;
  if (baseUrl && isProduction) {
    const refused = outboundUrlProblem(baseUrl, v.ALLOW_HTTP_TO_PRIVATE_HOSTS === 'true');
    if (refused) problem('SMS_RECEIPTS_URL', refused);
  }
  if (baseUrl && /\bvonage\b/.test(v.SMS_TRANSPORT ?? '') && !v.VONAGE_SIGNATURE_SECRET) {
    problem('VONAGE_SIGNATURE_SECRET', 'is required when SMS_RECEIPTS_URL is set and SMS_TRANSPORT includes vonage');
  }
  const after = Number(v.SMS_FALLBACK_AFTER_SECONDS);
  return {
    baseUrl,
    fallbackAfterSeconds: baseUrl && after > 0 ? after : null,
    vonage: v.VONAGE_SIGNATURE_SECRET
      ? { secret: v.VONAGE_SIGNATURE_SECRET, method: v.VONAGE_SIGNATURE_METHOD as VonageSignatureMethod }
      : null,
  };
}
