import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ReceiptState } from '@app/platform';
import type { Receipt } from './receipt-parsers.js';

/** How far a report's X-Request-Timestamp may be from now: a report replayed later is refused. */
const MAX_SKEW_SECONDS = 300;

/**
 * Telegram Gateway's delivery reports ("Checking report integrity",
 * https://core.telegram.org/gateway/api#checking-report-integrity):
 * X-Request-Signature is the hex HMAC-SHA-256 of `<X-Request-Timestamp>\n<raw body>`,
 * keyed with the SHA-256 of the API token. The docs ask that the timestamp be
 * checked too; we take it within five minutes of now.
 */
export function telegramSignatureValid(
  token: string,
  timestamp: string | undefined,
  rawBody: string,
  signature: string | undefined,
  nowSeconds: number,
): boolean {
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > MAX_SKEW_SECONDS) return false;
  const key = createHash('sha256').update(token, 'utf8').digest();
  const expected = Buffer.from(createHmac('sha256', key).update(`${timestamp}\n${rawBody}`, 'utf8').digest('hex'));
  const given = Buffer.from(signature.toLowerCase());
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * DeliveryStatus.status as our states: `read` implies delivered. `revoked` is
 * our own doing, not an outcome of the delivery, and is skipped with anything
 * unknown.
 */
const TELEGRAM_STATES: Record<string, ReceiptState> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'delivered',
  expired: 'expired',
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A unix time in seconds (a number or a string of digits), as a Date; null for anything else. */
function unixTime(value: unknown): Date | null {
  const seconds = typeof value === 'string' && /^\d{1,12}$/.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds) || seconds <= 0) return null;
  return new Date(seconds * 1000);
}

/**
 * A delivery report: a RequestStatus (request_id, delivery_status {status,
 * updated_at}, …) as JSON. Null when it carries no delivery state we know;
 * never throws, whatever arrives.
 */
export function readTelegramReport(body: unknown): Receipt | null {
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      return null;
    }
  }
  if (!isObject(body) || !isObject(body.delivery_status)) return null;
  const providerId = body.request_id;
  const status = body.delivery_status.status;
  if (typeof providerId !== 'string' || !providerId || typeof status !== 'string') return null;
  const state = Object.hasOwn(TELEGRAM_STATES, status) ? TELEGRAM_STATES[status] : null;
  if (!state) return null;
  return { providerId, state, errorCode: null, reportedAt: unixTime(body.delivery_status.updated_at) };
}
