import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'undici';
import { AppConfig } from '@app/domain';
import { SmsTransport, type OutgoingSms } from './sms-transport.js';

const TIMEOUT_MS = 10_000;

/**
 * Posts `{to, text}` to SMS_WEBHOOK_URL, with the code request id as the
 * Idempotency-Key header so the receiving gateway can drop a repeat. Any answer
 * other than 2xx, a timeout or an answer cut off halfway fails the attempt, and
 * the queue retries it with backoff.
 *
 * undici's pool of keep-alive connections, as many as deliveries in flight: a
 * gateway holds each request for a second or two.
 */
@Injectable()
export class WebhookSmsTransport extends SmsTransport implements OnApplicationShutdown {
  readonly name = 'webhook';
  private readonly url: URL;
  private readonly pool: Pool;

  constructor(config: AppConfig) {
    super();
    if (!config.sms.webhookUrl) throw new Error('SMS_WEBHOOK_URL is not set');
    this.url = new URL(config.sms.webhookUrl);
    this.pool = new Pool(this.url.origin, {
      connections: config.worker.concurrency,
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
    });
  }

  async send(message: OutgoingSms): Promise<void> {
    const { statusCode, body } = await this.pool.request({
      path: this.url.pathname + this.url.search,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': message.reference },
      body: JSON.stringify({ to: message.to, text: message.text }),
    });
    // Read to the end: an answer cut off halfway throws here, and fails the attempt.
    await body.text();
    if (statusCode < 200 || statusCode > 299) throw new Error(`SMS webhook answered ${statusCode}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.close();
  }
}
