import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@app/domain';
import { gatewayClient, type GatewayClient, statusKind } from './gateways/gateway-client.js';
import { SmsFailure, SmsTransport, type OutgoingSms } from './sms-transport.js';

/**
 * Posts `{to, text}` to SMS_WEBHOOK_URL, with the code request id as the
 * Idempotency-Key header so the receiving gateway can drop a repeat (which is
 * why an ambiguous attempt may be made again). A 2xx is a hand-over; 5xx and
 * 429 are for now, other answers for good.
 */
@Injectable()
export class WebhookSmsTransport extends SmsTransport implements OnApplicationShutdown {
  readonly name = 'webhook';
  readonly idempotent = true;
  private readonly client: GatewayClient;
  private readonly path: string;

  constructor(config: AppConfig) {
    super();
    if (!config.sms.webhookUrl) throw new Error('SMS_WEBHOOK_URL is not set');
    const url = new URL(config.sms.webhookUrl);
    this.client = gatewayClient(url.origin, config);
    this.path = url.pathname + url.search;
  }

  async send(message: OutgoingSms): Promise<{ providerId: null }> {
    const answer = await this.client.post(this.path, JSON.stringify({ to: message.to, text: message.text }), {
      'content-type': 'application/json',
      'idempotency-key': message.reference,
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
