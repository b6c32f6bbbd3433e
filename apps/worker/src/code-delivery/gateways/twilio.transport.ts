import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@app/platform';
import { SmsFailure, SmsTransport, type OutgoingSms } from '../sms-transport.js';
import { gatewayClient, type GatewayAnswer, type GatewayClient, parseJson, statusKind } from './gateway-client.js';

/** Twilio's error codes that mean "later" rather than "never": too many requests, an internal error, unavailable. */
const TRANSIENT_CODES = new Set([20429, 20500, 20503]);

/** Twilio's answer to a send: the message's sid, or the failure it means (thrown). */
export function readTwilioAnswer(answer: GatewayAnswer): { providerId: string } {
  const body = parseJson(answer.body) as { sid?: unknown; code?: unknown; message?: unknown } | null;
  if (answer.status === 201 && typeof body?.sid === 'string') return { providerId: body.sid };
  const code = typeof body?.code === 'number' ? body.code : null;
  const kind = code !== null && TRANSIENT_CODES.has(code) ? 'transient' : statusKind(answer.status);
  const reason = typeof body?.message === 'string' ? body.message.slice(0, 200) : 'no error message';
  throw new SmsFailure(kind, `Twilio answered ${answer.status}${code ? ` ${code}` : ''}: ${reason}`);
}

/**
 * Twilio's Programmable Messaging: POST /2010-04-01/Accounts/{sid}/Messages.json
 * with HTTP basic auth (account SID and auth token), form fields To (E.164),
 * From or MessagingServiceSid, Body, and StatusCallback when receipts are
 * asked for (Twilio then POSTs each status change there, signed). 201 with the message's sid is a
 * hand-over; errors are JSON `{code, message, status}`.
 */
@Injectable()
export class TwilioTransport extends SmsTransport implements OnApplicationShutdown {
  readonly name = 'twilio';
  readonly idempotent = false;
  private readonly client: GatewayClient;
  private readonly settings: NonNullable<AppConfig['sms']['twilio']>;
  private readonly authorization: string;
  /** Where Twilio reports each message's status (SMS_RECEIPTS_URL); null: no report asked for. */
  private readonly statusCallback: string | null;

  constructor(config: AppConfig) {
    super();
    if (!config.sms.twilio) throw new Error('the Twilio settings are missing');
    this.settings = config.sms.twilio;
    this.client = gatewayClient(this.settings.apiUrl, config);
    const { accountSid, authToken } = this.settings;
    this.authorization = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
    this.statusCallback = config.receipts.baseUrl ? `${config.receipts.baseUrl}/api/v1/hooks/sms/twilio/` : null;
  }

  async send(message: OutgoingSms): Promise<{ providerId: string }> {
    const { accountSid, from, messagingServiceSid } = this.settings;
    const answer = await this.client.postForm(
      `/2010-04-01/Accounts/${accountSid}/Messages.json`,
      {
        To: message.to,
        Body: message.text,
        ...(messagingServiceSid ? { MessagingServiceSid: messagingServiceSid } : {}),
        ...(from ? { From: from } : {}),
        ...(this.statusCallback ? { StatusCallback: this.statusCallback } : {}),
      },
      { authorization: this.authorization },
    );
    return readTwilioAnswer(answer);
  }

  onApplicationShutdown(): Promise<void> {
    return this.client.close();
  }
}
