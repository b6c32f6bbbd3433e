import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/domain';
import { SmsTransport, type OutgoingSms } from './sms-transport.js';

const TIMEOUT_MS = 10_000;

/**
 * Posts `{to, text}` to SMS_WEBHOOK_URL, with the code request id as the
 * Idempotency-Key header so the receiving gateway can drop a repeat. Any answer
 * other than 2xx fails the attempt, and the queue retries it with backoff.
 */
@Injectable()
export class WebhookSmsTransport extends SmsTransport {
  readonly name = 'webhook';
  private readonly url: string;

  constructor(config: AppConfig) {
    super();
    if (!config.sms.webhookUrl) throw new Error('SMS_WEBHOOK_URL is not set');
    this.url = config.sms.webhookUrl;
  }

  async send(message: OutgoingSms): Promise<void> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': message.reference },
      body: JSON.stringify({ to: message.to, text: message.text }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`SMS webhook answered ${response.status}`);
  }
}
