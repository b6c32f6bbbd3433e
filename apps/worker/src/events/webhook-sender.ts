import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent, request } from 'undici';
import { standardWebhookHeaders } from '@app/domain';
import { AppConfig } from '@app/platform';

export interface SendOutcome {
  /** The receiver's HTTP status; null when no answer came. */
  status: number | null;
  error: string | null;
  durationMs: number;
  /** From Retry-After, when the receiver sent one. */
  retryAfterMs: number | null;
}

/**
 * Posts an event to EVENTS_WEBHOOK_URL, signed as the Standard Webhooks
 * specification says (standardWebhookHeaders: the event's id as `webhook-id`)
 * with EVENTS_WEBHOOK_SECRET. The receiver has 15 s.
 */
@Injectable()
export class WebhookSender implements OnApplicationShutdown {
  private readonly url: string;
  private readonly secret: Buffer;
  private readonly timeoutMs: number;
  private readonly agent: Agent;

  constructor(config: AppConfig) {
    if (!config.events.webhookUrl || !config.events.secret) throw new Error('EVENTS_WEBHOOK_URL is not set');
    this.url = config.events.webhookUrl;
    this.secret = config.events.secret;
    this.timeoutMs = config.events.timeoutMs;
    this.agent = new Agent({
      connect: { timeout: 5_000 },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
  }

  async send(id: string, body: string): Promise<SendOutcome> {
    const started = Date.now();
    const timestamp = Math.floor(started / 1000);
    try {
      const answer = await request(this.url, {
        method: 'POST',
        dispatcher: this.agent,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'referral-service-webhooks/1',
          ...standardWebhookHeaders(this.secret, id, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      // The answer's body is not read for meaning; reading it frees the connection.
      await answer.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      const ok = answer.statusCode >= 200 && answer.statusCode <= 299;
      return {
        status: answer.statusCode,
        error: ok ? null : `the receiver answered ${answer.statusCode}`,
        durationMs: Date.now() - started,
        retryAfterMs: retryAfterMs(answer.headers['retry-after']),
      };
    } catch (error) {
      const reason = (error as { name?: string }).name === 'TimeoutError' ? 'no answer within 15 s' : describe(error);
      return { status: null, error: reason, durationMs: Date.now() - started, retryAfterMs: null };
    }
  }

  onApplicationShutdown(): Promise<void> {
    return this.agent.close();
  }
}

function describe(error: unknown): string {
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  return `no answer (${code ?? (error as Error).message})`;
}

/** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return null;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
