import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@app/platform';
import { SmsFailure, SmsTransport, type OutgoingSms } from '../sms-transport.js';
import { gatewayClient, type GatewayAnswer, type GatewayClient, parseJson, statusKind } from './gateway-client.js';

/**
 * The Cloud API's codes that mean "later" rather than "never"
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes): API unknown (1), service
 * overloaded (2), app call limit (4), account rate limit (80007), throughput (130429), spam rate limit
 * (131048), pair rate limit (131056), something went wrong (131000), service unavailable (131016). Rate
 * limits come as 400, so the status alone would call them permanent.
 */
const TRANSIENT_CODES = new Set([1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056]);

type GraphError = { message?: unknown; code?: unknown };

/**
 * The Cloud API's answer to a send: the message's wamid, or the failure it means (thrown). A 2xx without
 * an id is ambiguous: Meta may have taken the message.
 */
export function readWhatsAppAnswer(answer: GatewayAnswer): { providerId: string } {
  const body = parseJson(answer.body) as { messages?: unknown; error?: unknown } | null;
  const error = typeof body?.error === 'object' && body.error !== null ? (body.error as GraphError) : null;
  if (answer.status >= 200 && answer.status < 300 && !error) {
    const first: unknown = Array.isArray(body?.messages) ? body.messages[0] : undefined;
    const id = (first as { id?: unknown } | undefined)?.id;
    if (typeof id === 'string' && id) return { providerId: id };
    throw new SmsFailure('ambiguous', `WhatsApp answered ${answer.status} without a message id`);
  }
  const code = typeof error?.code === 'number' ? error.code : null;
  const kind = code !== null && TRANSIENT_CODES.has(code) ? 'transient' : statusKind(answer.status);
  const reason = typeof error?.message === 'string' ? error.message.slice(0, 200) : 'no error message';
  throw new SmsFailure(kind, `WhatsApp answered ${answer.status}${code !== null ? ` ${code}` : ''}: ${reason}`);
}

/**
 * WhatsApp Business Cloud API, an authentication template with a copy-code button
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates/auth-otp-template-messages):
 * POST {apiUrl}/{phone number id}/messages with `Authorization: Bearer <access token>` and a JSON body
 * `{messaging_product: 'whatsapp', recipient_type: 'individual', to, type: 'template', template: {name,
 * language: {code}, components}}`, the code given twice: as the body's parameter and as the URL button's
 * (sub_type `url`, index `"0"`). 200 `{messaging_product, contacts: [{input, wa_id}], messages: [{id}]}`
 * with the wamid is a hand-over; errors are Graph API errors `{error: {message, type, code, error_data,
 * fbtrace_id}}`. Statuses (sent, delivered, read, failed) come later through the app's `messages` webhook.
 */
@Injectable()
export class WhatsAppTransport extends SmsTransport implements OnApplicationShutdown {
  readonly name = 'whatsapp';
  readonly idempotent = false;
  private readonly client: GatewayClient;
  private readonly settings: NonNullable<AppConfig['channels']['whatsapp']>;
  private readonly authorization: string;

  constructor(config: AppConfig) {
    super();
    if (!config.channels.whatsapp) throw new Error('the WhatsApp settings are missing');
    this.settings = config.channels.whatsapp;
    this.client = gatewayClient(this.settings.apiUrl, config);
    this.authorization = `Bearer ${this.settings.accessToken}`;
  }

  async send(message: OutgoingSms): Promise<{ providerId: string }> {
    const { phoneNumberId, template, languages } = this.settings;
    const parameters = [{ type: 'text', text: message.code }];
    const body = {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      // The documented samples give the number as digits, without the plus.
      to: message.to.replace(/^\+/, ''),
      type: 'template',
      template: {
        name: template,
        language: { code: Object.hasOwn(languages, message.locale) ? languages[message.locale] : message.locale },
        components: [
          { type: 'body', parameters },
          { type: 'button', sub_type: 'url', index: '0', parameters },
        ],
      },
    };
    const answer = await this.client.post(`/${phoneNumberId}/messages`, JSON.stringify(body), {
      'content-type': 'application/json',
      authorization: this.authorization,
    });
    return readWhatsAppAnswer(answer);
  }

  onApplicationShutdown(): Promise<void> {
    return this.client.close();
  }
}
