import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ReceiptState } from '@app/platform';
import type { Receipt } from './receipt-parsers.js';

/** `sha256=` and the 64 lower-case hex digits of an HMAC-SHA256, as Meta writes X-Hub-Signature-256. */
const SIGNATURE = /^sha256=([0-9a-f]{64})$/;

/**
 * Meta's X-Hub-Signature-256 (https://developers.facebook.com/docs/graph-api/webhooks/getting-started#validate-payloads):
 * `sha256=` followed by the hex HMAC-SHA256 of the raw request body, keyed with the app secret. The body
 * must be the bytes as received: parsed and re-serialized JSON does not sign the same.
 */
export function whatsappSignatureValid(appSecret: string, rawBody: string, header: string | undefined): boolean {
  const signature = SIGNATURE.exec(header ?? '');
  if (!signature || !appSecret) return false;
  const expected = createHmac('sha256', appSecret).update(rawBody, 'utf8').digest();
  return timingSafeEqual(expected, Buffer.from(signature[1], 'hex'));
}

/** The statuses of our messages, as our states: `read` implies delivered; `deleted` and `warning` say nothing of delivery. */
const WHATSAPP_STATES: Record<string, ReceiptState> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'delivered',
  failed: 'failed',
};

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const objects = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : []);

function errorCodeOf(status: Json): string | null {
  const first = objects(status.errors)[0];
  const code = first?.code;
  return typeof code === 'number' || (typeof code === 'string' && code) ? String(code) : null;
}

/**
 * Every status of a `messages` webhook
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/status/):
 * `entry[].changes[]` with `field: 'messages'`, each `value.statuses[]` `{id (the wamid), status, timestamp
 * (unix seconds, a string), recipient_id, errors[] when failed}`. The body is untrusted: any part of the
 * wrong shape is skipped, never thrown on; incoming messages (`value.messages`) are not ours to read.
 */
export function readWhatsAppStatuses(body: unknown): Receipt[] {
  const receipts: Receipt[] = [];
  if (!isObject(body)) return receipts;
  for (const entry of objects(body.entry)) {
    for (const change of objects(entry.changes)) {
      if (change.field !== 'messages' || !isObject(change.value)) continue;
      for (const status of objects(change.value.statuses)) {
        const known = typeof status.status === 'string' && Object.hasOwn(WHATSAPP_STATES, status.status);
        if (!known || typeof status.id !== 'string' || !status.id) continue;
        const state = WHATSAPP_STATES[status.status as string];
        const time = typeof status.timestamp === 'number' ? String(status.timestamp) : status.timestamp;
        receipts.push({
          providerId: status.id,
          state,
          errorCode: state === 'failed' ? errorCodeOf(status) : null,
          reportedAt: typeof time === 'string' && /^\d{1,12}$/.test(time) ? new Date(Number(time) * 1000) : null,
        });
      }
    }
  }
  return receipts;
}
