import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { segmentsOf } from '@app/domain';
import { AppConfig } from '@app/platform';
import { SmsFailure, SmsTransport, type OutgoingSms } from '../sms-transport.js';
import { gatewayClient, type GatewayAnswer, type GatewayClient, parseJson, statusKind } from './gateway-client.js';

/** Vonage's statuses that mean "later": 1 throttled, 5 internal error. The rest refuse for good. */
const TRANSIENT_STATUSES = new Set(['1', '5']);

interface VonageAnswer {
  messages?: Array<{ status?: string; 'message-id'?: string; 'error-text'?: string }>;
}

/** Vonage's answer to a send: the message's id, or the failure it means (thrown). */
export function readVonageAnswer(answer: GatewayAnswer): { providerId: string } {
  if (answer.status !== 200) throw new SmsFailure(statusKind(answer.status), `Vonage answered HTTP ${answer.status}`);
  const sent = (parseJson(answer.body) as VonageAnswer | null)?.messages?.[0];
  if (sent?.status === '0' && sent['message-id']) return { providerId: sent['message-id'] };
  const status = sent?.status ?? 'none';
  throw new SmsFailure(
    TRANSIENT_STATUSES.has(status) ? 'transient' : 'permanent',
    `Vonage status ${status}: ${String(sent?.['error-text'] ?? 'no message in the answer').slice(0, 200)}`,
  );
}

/**
 * Vonage's SMS API: POST /sms/json with api_key, api_secret, from, to (digits,
 * no "+") and text (`type=unicode` when the text is not GSM-7), and with
 * receipts asked for, `status-report-req=1` and `callback`. It answers
 * HTTP 200 whatever happened: `messages[0].status` "0" is a hand-over, any
 * other status carries `error-text`.
 */
@Injectable()
export class VonageTransport extends SmsTransport implements OnApplicationShutdown {
  readonly name = 'vonage';
  readonly idempotent = false;
  private readonly client: GatewayClient;
  private readonly settings: NonNullable<AppConfig['sms']['vonage']>;
  /** Where Vonage sends the delivery receipt (SMS_RECEIPTS_URL); null: the account's own setting, if any. */
  private readonly callback: string | null;

  constructor(config: AppConfig) {
    super();
    if (!config.sms.vonage) throw new Error('the Vonage settings are missing');
    this.settings = config.sms.vonage;
    this.client = gatewayClient(this.settings.apiUrl, config);
    this.callback = config.receipts.baseUrl ? `${config.receipts.baseUrl}/api/v1/hooks/sms/vonage/` : null;
  }

  async send(message: OutgoingSms): Promise<{ providerId: string }> {
    const { apiKey, apiSecret, from } = this.settings;
    const answer = await this.client.postForm('/sms/json', {
      api_key: apiKey,
      api_secret: apiSecret,
      from,
      to: message.to.replace(/^\+/, ''),
      text: message.text,
      ...(segmentsOf(message.text).encoding === 'UCS-2' ? { type: 'unicode' } : {}),
      ...(this.callback ? { 'status-report-req': '1', callback: this.callback } : {}),
    });
    return readVonageAnswer(answer);
  }

  onApplicationShutdown(): Promise<void> {
    return this.client.close();
  }
}
