import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import http from 'node:http';
import https from 'node:https';
import { AppConfig } from '@app/domain';
import { SmsTransport, type OutgoingSms } from './sms-transport.js';

const TIMEOUT_MS = 10_000;

/**
 * Posts `{to, text}` to SMS_WEBHOOK_URL, with the code request id as the
 * Idempotency-Key header so the receiving gateway can drop a repeat. Any answer
 * other than 2xx fails the attempt, and the queue retries it with backoff.
 *
 * node:http with a keep-alive agent rather than fetch: a gateway holds each
 * request for a second or two, so a worker keeps hundreds in flight, and fetch's
 * streams and abort signals cost several times more CPU per message.
 */
@Injectable()
export class WebhookSmsTransport extends SmsTransport implements OnApplicationShutdown {
  readonly name = 'webhook';
  private readonly url: URL;
  private readonly agent: http.Agent;

  constructor(config: AppConfig) {
    super();
    if (!config.sms.webhookUrl) throw new Error('SMS_WEBHOOK_URL is not set');
    this.url = new URL(config.sms.webhookUrl);
    const Agent = this.url.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: config.worker.concurrency });
  }

  send(message: OutgoingSms): Promise<void> {
    const body = JSON.stringify({ to: message.to, text: message.text });
    const client = this.url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = client.request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          timeout: TIMEOUT_MS,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'idempotency-key': message.reference,
          },
        },
        (response) => {
          response.resume();
          // 'close' comes last in every case; an answer cut off halfway never sees
          // 'end', and waiting for it would hold the job (and a stopping worker) forever.
          response.once('error', reject);
          response.once('close', () => {
            const status = response.statusCode ?? 0;
            if (!response.complete) reject(new Error('SMS webhook closed the connection halfway through its answer'));
            else if (status >= 200 && status < 300) resolve();
            else reject(new Error(`SMS webhook answered ${status}`));
          });
        },
      );
      request.once('timeout', () => request.destroy(new Error(`SMS webhook did not answer within ${TIMEOUT_MS} ms`)));
      request.once('error', reject);
      request.end(body);
    });
  }

  onApplicationShutdown(): void {
    this.agent.destroy();
  }
}
