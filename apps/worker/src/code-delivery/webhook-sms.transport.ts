import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { standardWebhookHeaders } from '@app/domain';
import { AppConfig } from '@app/platform';
import { gatewayClient, type GatewayClient, statusKind } from './gateways/gateway-client.js';
import { SmsFailure, SmsTransport, type OutgoingSms } from './sms-transport.js';

/**
 * Posts `{to, text}` to SMS_WEBHOOK_URL, signed as the events are (Standard
 * Webhooks, SMS_WEBHOOK_SECRET; `webhook-id` is the code request's id, the same
 * on every attempt), with that id as the Idempotency-Key header too, so the
 * receiving gateway can drop a repeat (which is why an ambiguous attempt may be
 * made again). Credentials in the URL (`https://user:pass@host/…`) are sent as
 * HTTP basic auth. A 2xx is a hand-over; 5xx and 429 are for now, other answers
 * for good.
 */
@Injectable()
export class WebhookSmsTransport extends SmsTransport implements OnApplicationShutdown {
  readonly name = 'webhook';
  readonly idempotent = true;
  private readonly client: GatewayClient;
  private readonly path: string;
  private readonly secret: Buffer;
  private readonly authorization: Record<string, string>;

  constructor(config: AppConfig) {
    super();
    if (!config.sms.webhookUrl || !config.sms.webhookSecret) throw new Error('SMS_WEBHOOK_URL is not set');
    const url = new URL(config.sms.webhookUrl);
    this.secret = config.sms.webhookSecret;
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    this.authorization =
      url.username || url.password ? { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } : {};
    this.client = gatewayClient(url.origin, config);
    this.path = url.pathname + url.search;
  }

  async send(message: OutgoingSms): Promise<{ providerId: null }> {
    const body = JSON.stringify({ to: message.to, text: message.text });
    const answer = await this.client.post(this.path, body, {
      'content-type': 'application/json',
      'idempotency-key': message.reference,
      ...standardWebhookHeaders(this.secret, message.reference, Math.floor(Date.now() / 1000), body),
      ...this.authorization,
    });
    if (answer.status < 200 || answer.status > 299) {
      throw new SmsFailure(statusKind(answer.status), `SMS webhook answered ${answer.status}`);
    }
    return { providerId: null };
  }

  onApplicationShutdown(): Promise<void> {
    return this.client.close();
  }
}
