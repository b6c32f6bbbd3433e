import { createHmac } from 'node:crypto';

/**
 * The three headers of a request signed as the Standard Webhooks specification
 * says: `webhook-id` (the same on every attempt: the receiver drops repeats),
 * `webhook-timestamp` (this attempt, Unix seconds) and `webhook-signature:
 * v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed by the decoded
 * `whsec_` secret. The events and the SMS webhook are signed this way.
 */
export function standardWebhookHeaders(
  secret: Buffer,
  id: string,
  timestamp: number,
  body: string,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  const signature = createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${signature}` };
}

/** The key of a `whsec_<base64>` secret. */
export function webhookSecretKey(secret: string): Buffer {
  return Buffer.from(secret.slice('whsec_'.length), 'base64');
}
