import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ReceiptState, VonageSignatureMethod } from '@app/platform';

/** One gateway's word on one message. */
export interface Receipt {
  /** The gateway's id of the message, as it answered the send. */
  providerId: string;
  state: ReceiptState;
  /** The gateway's error code of an undelivered or failed message. */
  errorCode: string | null;
  /** The gateway's own time of the state, when it says. */
  reportedAt: Date | null;
}

/** A callback's fields, flat: a form, a query or a JSON object of strings. */
export type Fields = Record<string, string>;

const sameText = (a: string, b: string) => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

/**
 * Twilio's X-Twilio-Signature: base64 of HMAC-SHA1, keyed with the auth token,
 * of the URL Twilio called (as configured, query included) followed by every
 * POST field, sorted by name, as name and value with nothing between.
 */
export function twilioSignatureValid(authToken: string, url: string, fields: Fields, signature: string): boolean {
  const signed = Object.keys(fields)
    .sort()
    .reduce((text, name) => text + name + fields[name], url);
  return sameText(createHmac('sha1', authToken).update(signed, 'utf8').digest('base64'), signature);
}

/** Twilio's MessageStatus values, as our states; those it sends on the way (queued, sending) are `accepted`. */
const TWILIO_STATES: Record<string, ReceiptState> = {
  accepted: 'accepted',
  scheduled: 'accepted',
  queued: 'accepted',
  sending: 'accepted',
  sent: 'sent',
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  canceled: 'failed',
};

/** A Twilio status callback (MessageSid, MessageStatus, ErrorCode): null when it carries no state we know. */
export function readTwilioReceipt(fields: Fields): Receipt | null {
  const state = TWILIO_STATES[fields.MessageStatus ?? fields.SmsStatus ?? ''];
  const providerId = fields.MessageSid ?? fields.SmsSid;
  if (!state || !providerId) return null;
  return { providerId, state, errorCode: fields.ErrorCode || null, reportedAt: null };
}

/**
 * Vonage's signed callbacks (its "signing messages" guide): every field but
 * `sig`, sorted by name, as `&name=value` with `&` and `=` in values turned to
 * `_`; then MD5 of that text followed by the secret (`md5hash`), or an HMAC of
 * it keyed with the secret (md5, sha1, sha256, sha512), in hex, compared
 * without regard to case. The `timestamp` it signs must be within five minutes
 * of now: a receipt replayed later is refused.
 */
export function vonageSignatureValid(
  secret: string,
  method: VonageSignatureMethod,
  fields: Fields,
  nowSeconds: number,
): boolean {
  const { sig, ...signed } = fields;
  if (!sig || !/^\d+$/.test(signed.timestamp ?? '')) return false;
  if (Math.abs(nowSeconds - Number(signed.timestamp)) > 300) return false;
  const text = Object.keys(signed)
    .sort()
    .map((name) => `&${name}=${String(signed[name]).replace(/[&=]/g, '_')}`)
    .join('');
  const digest =
    method === 'md5hash'
      ? createHash('md5')
          .update(text + secret, 'utf8')
          .digest('hex')
      : createHmac(method, secret).update(text, 'utf8').digest('hex');
  return sameText(digest.toLowerCase(), sig.toLowerCase());
}

/** Vonage's DLR statuses, as our states; `accepted` and `buffered` mean the network has it. */
const VONAGE_STATES: Record<string, ReceiptState> = {
  accepted: 'sent',
  buffered: 'sent',
  delivered: 'delivered',
  expired: 'expired',
  failed: 'failed',
  rejected: 'failed',
};

/** `scts`, YYMMDDhhmm in UTC, as a time. */
function vonageTime(scts: string | undefined): Date | null {
  const parts = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(scts ?? '');
  if (!parts) return null;
  const [, yy, mm, dd, hh, mi] = parts.map(Number);
  return new Date(Date.UTC(2000 + yy, mm - 1, dd, hh, mi));
}

/** A Vonage delivery receipt (messageId, status, err-code, scts): null when its status is not one we know. */
export function readVonageReceipt(fields: Fields): Receipt | null {
  const state = VONAGE_STATES[fields.status ?? ''];
  if (!state || !fields.messageId) return null;
  const error = fields['err-code'];
  return {
    providerId: fields.messageId,
    state,
    errorCode: error && error !== '0' ? error : null,
    reportedAt: vonageTime(fields.scts),
  };
}

/**
 * SMS.ru's callbacks: form fields `data[0]`, `data[1]`, … each
 * "sms_status\n<sms_id>\n<status code>\n<unix time>", and `hash`, the SHA-256
 * in hex of the api_id followed by every data entry in order. Entries of other
 * kinds are skipped.
 */
export function smsRuHashValid(apiId: string, fields: Fields): boolean {
  const hash = fields.hash;
  if (!hash) return false;
  const expected = createHash('sha256')
    .update(apiId + smsRuEntries(fields).join(''), 'utf8')
    .digest('hex');
  return sameText(expected, hash.toLowerCase());
}

function smsRuEntries(fields: Fields): string[] {
  const entries: string[] = [];
  for (let index = 0; fields[`data[${index}]`] !== undefined; index += 1) entries.push(fields[`data[${index}]`]);
  return entries;
}

/** SMS.ru's status codes, as our states: 100-101 on the way, 102 with the operator, 103 delivered, 104 expired. */
function smsRuState(code: number): ReceiptState | null {
  if (code === 100 || code === 101) return 'accepted';
  if (code === 102) return 'sent';
  if (code === 103 || code === 110) return 'delivered';
  if (code === 104) return 'expired';
  if (code === 108) return 'failed';
  if (code === 105 || code === 106 || code === 107 || code === 150) return 'undelivered';
  return null;
}

/** Every status entry of an SMS.ru callback. */
export function readSmsRuReceipts(fields: Fields): Receipt[] {
  const receipts: Receipt[] = [];
  for (const entry of smsRuEntries(fields)) {
    const [kind, providerId, code, time] = entry.split('\n').map((line) => line.trim());
    const state = kind === 'sms_status' ? smsRuState(Number(code)) : null;
    if (!state || !providerId) continue;
    receipts.push({
      providerId,
      state,
      errorCode: state === 'undelivered' || state === 'failed' || state === 'expired' ? code : null,
      reportedAt: /^\d+$/.test(time ?? '') ? new Date(Number(time) * 1000) : null,
    });
  }
  return receipts;
}

/** The states after which nothing changes: the first of them is the message's outcome. */
export const FINAL_RECEIPT_STATES: ReadonlySet<ReceiptState> = new Set([
  'delivered',
  'undelivered',
  'failed',
  'expired',
]);

/** Whether `next` moves a message on from `current`: forward only, and never past its first final state. */
export function advances(current: ReceiptState | null, next: ReceiptState): boolean {
  if (current === null) return true;
  if (FINAL_RECEIPT_STATES.has(current)) return false;
  if (FINAL_RECEIPT_STATES.has(next)) return true;
  return current === 'accepted' && next === 'sent';
}
