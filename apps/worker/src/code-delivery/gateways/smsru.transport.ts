import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@app/platform';
import { SmsFailure, SmsTransport, type OutgoingSms } from '../sms-transport.js';
import { gatewayClient, type GatewayAnswer, type GatewayClient, parseJson, statusKind } from './gateway-client.js';

/** SMS.ru's codes that mean "later": 220 the service is unavailable for a moment, 231 too many like it this minute. */
const TRANSIENT_CODES = new Set([220, 231]);

interface SmsRuAnswer {
  status?: string;
  status_code?: number;
  status_text?: string;
  sms?: Record<string, { status?: string; status_code?: number; status_text?: string; sms_id?: string }>;
}

/** SMS.ru's answer to a send to `to` (digits): the message's id, or the failure it means (thrown). */
export function readSmsRuAnswer(answer: GatewayAnswer, to: string): { providerId: string } {
  if (answer.status !== 200) throw new SmsFailure(statusKind(answer.status), `SMS.ru answered HTTP ${answer.status}`);
  const body = parseJson(answer.body) as SmsRuAnswer | null;
  const forNumber = body?.sms?.[to];
  if (body?.status === 'OK' && forNumber?.status === 'OK' && forNumber.sms_id) return { providerId: forNumber.sms_id };
  const refusal = body?.status === 'OK' ? forNumber : body;
  const code = refusal?.status_code ?? 0;
  throw new SmsFailure(
    TRANSIENT_CODES.has(code) ? 'transient' : 'permanent',
    `SMS.ru status ${code}: ${String(refusal?.status_text ?? 'no answer for the number').slice(0, 200)}`,
  );
}

/**
 * SMS.ru: POST /sms/send with api_id, to (digits, no "+"), msg, json=1 and, when
 * set, from. A hand-over is `status: "OK"` for the request and for the number;
 * a refusal is `status: "ERROR"` with a `status_code`, for the request or the number.
 */
@Injectable()
export class SmsRuTransport extends SmsTransport implements OnApplicationShutdown {
  readonly name = 'smsru';
  readonly idempotent = false;
  private readonly client: GatewayClient;
  private readonly settings: NonNullable<AppConfig['sms']['smsru']>;

  constructor(config: AppConfig) {
    super();
    if (!config.sms.smsru) throw new Error('the SMS.ru settings are missing');
    this.settings = config.sms.smsru;
    this.client = gatewayClient(this.settings.apiUrl, config);
  }

  async send(message: OutgoingSms): Promise<{ providerId: string }> {
    const to = message.to.replace(/^\+/, '');
    const answer = await this.client.postForm('/sms/send', {
      api_id: this.settings.apiId,
      to,
      msg: message.text,
      json: '1',
      ...(this.settings.from ? { from: this.settings.from } : {}),
    });
    return readSmsRuAnswer(answer, to);
  }

  onApplicationShutdown(): Promise<void> {
    return this.client.close();
  }
}
