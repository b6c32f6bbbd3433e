import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { segmentsOf } from '../../libs/domain/src/index.js';

/**
 * Local servers that speak the SMS gateways' documented APIs: each checks the
 * request as the provider would (path, method, credentials, form fields, the
 * number's format) and answers with the provider's own success and error
 * bodies. A test scripts what the next requests meet: an answer, a 5xx, a
 * throttle, silence (a timeout), or a connection cut.
 */

export type Behaviour = 'ok' | 'server-error' | 'throttled' | 'bad-number' | 'bad-credentials' | 'silence' | 'reset';

export interface Received {
  to: string;
  text: string;
  at: number;
  fields: Record<string, string>;
  /** The provider's id of the message, as its answer gave it. */
  providerId: string;
}

/** A callback as the provider sends it: where, with which headers, which form body. */
export interface Callback {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  form: Record<string, string>;
}

/** A message's status as the test makes the provider report it, in our words. */
export type ReportedState = 'sent' | 'delivered' | 'undelivered' | 'failed' | 'expired';

export interface Gateway {
  url: string;
  received: Received[];
  /** Every request, valid or not, and what it met. */
  requests: Array<{ behaviour: Behaviour | 'refused'; at: number; reason?: string }>;
  /** The behaviours of the next requests, in order; after them, `ok`. */
  script(...behaviours: Behaviour[]): void;
  /**
   * The status callback the provider would send for a message it took, signed
   * as its documentation says (`url`: SMS.ru's callback is set in the account,
   * the others' travels with the message).
   */
  report(message: Received, state: ReportedState, options?: { url?: string; errorCode?: string }): Callback;
  close(): Promise<void>;
}

/** A contract server's answer: a status and a JSON body (a string body goes as text). */
export type Answer = { status: number; body: unknown };

interface Provider {
  /** Why the request is not one the provider accepts, as its error answer; null when it is well-formed. */
  refuse(request: IncomingMessage, fields: Record<string, string>): Answer | null;
  answer(behaviour: Exclude<Behaviour, 'silence' | 'reset'>, fields: Record<string, string>): Answer;
  message(fields: Record<string, string>): { to: string; text: string };
  /** The message's id in an `ok` answer. */
  idIn(answer: Answer): string;
  report(message: Received, state: ReportedState, options: { url?: string; errorCode?: string }): Callback;
}

/** The signing secrets the tests configure for the providers' callbacks. */
export const VONAGE_SIGNATURE = { secret: 'vonage-signature-secret-0123', method: 'md5hash' };

const hex = (length: number) => Array.from({ length }, () => Math.floor(Math.random() * 16).toString(16)).join('');
const isForm = (request: IncomingMessage) =>
  (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');

export const TWILIO = {
  accountSid: `AC${'1'.repeat(32)}`,
  authToken: 'twilio-test-auth-token-0123',
  from: '+15005550006',
};
export const VONAGE = { apiKey: 'vonage-key', apiSecret: 'vonage-secret-0123', from: 'Referral' };
export const SMSRU = { apiId: 'smsru-test-api-id-0123', from: 'Referral' };

/** https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource */
function twilio(): Provider {
  const error = (status: number, code: number, message: string): Answer => ({
    status,
    body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
  });
  return {
    refuse(request, fields) {
      if (request.method !== 'POST' || request.url !== `/2010-04-01/Accounts/${TWILIO.accountSid}/Messages.json`) {
        return error(404, 20404, 'The requested resource was not found');
      }
      const expected = `Basic ${Buffer.from(`${TWILIO.accountSid}:${TWILIO.authToken}`).toString('base64')}`;
      if (request.headers.authorization !== expected) return error(401, 20003, 'Authenticate');
      if (!isForm(request)) return error(400, 21201, 'Form data expected');
      if (!/^\+[1-9]\d{6,14}$/.test(fields.To ?? ''))
        return error(400, 21211, `The 'To' number ${fields.To} is not a valid phone number.`);
      if (!fields.From && !fields.MessagingServiceSid)
        return error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required");
      if (!fields.Body) return error(400, 21602, 'Message body is required.');
      return null;
    },
    answer(behaviour, fields) {
      switch (behaviour) {
        case 'ok':
          return {
            status: 201,
            body: {
              sid: `SM${hex(32)}`,
              status: 'queued',
              to: fields.To,
              from: fields.From ?? null,
              body: fields.Body,
              num_segments: '1',
            },
          };
        case 'server-error':
          return error(500, 20500, 'An internal server error has occurred');
        case 'throttled':
          return error(429, 20429, 'Too Many Requests');
        case 'bad-number':
          return error(400, 21211, `The 'To' number ${fields.To} is not a valid phone number.`);
        case 'bad-credentials':
          return error(401, 20003, 'Authenticate');
      }
    },
    message: (fields) => ({ to: fields.To, text: fields.Body }),
    idIn: (answer) => (answer.body as { sid: string }).sid,
    // https://www.twilio.com/docs/messaging/guides/track-outbound-message-status: a form POSTed to the
    // message's StatusCallback; X-Twilio-Signature is base64 HMAC-SHA1 (auth token) of the URL then each
    // field, sorted by name, name and value run together.
    report(message, state, { errorCode }) {
      const url = message.fields.StatusCallback;
      if (!url) throw new Error('the message was sent without a StatusCallback');
      const status = { sent: 'sent', delivered: 'delivered', undelivered: 'undelivered', failed: 'failed' }[
        state as 'sent'
      ];
      if (!status) throw new Error(`Twilio has no ${state} status`);
      const form: Record<string, string> = {
        AccountSid: TWILIO.accountSid,
        ApiVersion: '2010-04-01',
        From: message.fields.From ?? '',
        MessageSid: message.providerId,
        MessageStatus: status,
        SmsSid: message.providerId,
        SmsStatus: status,
        To: message.to,
        ...(errorCode ? { ErrorCode: errorCode } : {}),
      };
      const signed = Object.keys(form)
        .sort()
        .reduce((text, name) => text + name + form[name], url);
      const signature = createHmac('sha1', TWILIO.authToken).update(signed).digest('base64');
      return { url, method: 'POST', headers: { 'x-twilio-signature': signature }, form };
    },
  };
}

/** https://developer.vonage.com/en/api/sms: HTTP 200 whatever happened, the outcome in messages[0].status. */
function vonage(): Provider {
  const failed = (status: string, text: string): Answer => ({
    status: 200,
    body: { 'message-count': '1', messages: [{ status, 'error-text': text }] },
  });
  return {
    refuse(request, fields) {
      if (request.method !== 'POST' || request.url !== '/sms/json') return { status: 404, body: '' };
      if (!isForm(request)) return failed('2', 'Missing api_key');
      if (fields.api_key !== VONAGE.apiKey || fields.api_secret !== VONAGE.apiSecret)
        return failed('4', 'Bad Credentials');
      if (!fields.from || !fields.text) return failed('2', 'Missing from or text');
      if (!/^[1-9]\d{6,14}$/.test(fields.to ?? '')) return failed('3', 'Invalid to param');
      // Vonage garbles text it is not told is unicode.
      if (segmentsOf(fields.text).encoding === 'UCS-2' && fields.type !== 'unicode')
        return failed('3', 'Non-GSM text without type=unicode');
      return null;
    },
    answer(behaviour, fields) {
      switch (behaviour) {
        case 'ok':
          return {
            status: 200,
            body: {
              'message-count': '1',
              messages: [
                {
                  to: fields.to,
                  'message-id': hex(16).toUpperCase(),
                  status: '0',
                  'remaining-balance': '15.53590000',
                  'message-price': '0.03330000',
                  network: '25001',
                },
              ],
            },
          };
        case 'server-error':
          return { status: 503, body: '' };
        case 'throttled':
          return failed('1', 'Throughput Rate Exceeded - please wait [ 1 ] and retry');
        case 'bad-number':
          return failed('3', 'Invalid to param');
        case 'bad-credentials':
          return failed('4', 'Bad Credentials');
      }
    },
    message: (fields) => ({ to: fields.to, text: fields.text }),
    idIn: (answer) => (answer.body as { messages: Array<{ 'message-id': string }> }).messages[0]['message-id'],
    // https://developer.vonage.com/en/messaging/sms/guides/delivery-receipts, signed as in
    // https://developer.vonage.com/en/getting-started/concepts/signing-messages (md5hash: MD5 of the sorted
    // `&name=value` text, & and = in values as _, followed by the signature secret).
    report(message, state, { errorCode }) {
      const url = message.fields.callback;
      if (!url) throw new Error('the message was sent without a callback');
      const status = { sent: 'accepted', delivered: 'delivered', undelivered: 'failed', failed: 'rejected' }[
        state as 'sent'
      ];
      const form: Record<string, string> = {
        msisdn: message.to,
        to: VONAGE.from,
        'network-code': '25001',
        messageId: message.providerId,
        price: '0.03330000',
        status: status ?? state,
        scts: '2612071205',
        'err-code': errorCode ?? (state === 'delivered' || state === 'sent' ? '0' : '1'),
        'api-key': VONAGE.apiKey,
        'message-timestamp': '2026-12-07 12:05:00',
        timestamp: String(Math.floor(Date.now() / 1000)),
        nonce: hex(16),
      };
      const text = Object.keys(form)
        .sort()
        .map((name) => `&${name}=${form[name].replace(/[&=]/g, '_')}`)
        .join('');
      form.sig = createHash('md5')
        .update(text + VONAGE_SIGNATURE.secret)
        .digest('hex');
      return { url, method: 'POST', headers: {}, form };
    },
  };
}

/** https://sms.ru/api/send, with json=1. */
function smsru(): Provider {
  const error = (code: number, text: string): Answer => ({
    status: 200,
    body: { status: 'ERROR', status_code: code, status_text: text },
  });
  const forNumber = (to: string, entry: object): Answer => ({
    status: 200,
    body: { status: 'OK', status_code: 100, sms: { [to]: entry }, balance: 4122.56 },
  });
  return {
    refuse(request, fields) {
      if (request.method !== 'POST' || request.url !== '/sms/send') return { status: 404, body: '' };
      if (!isForm(request)) return error(210, 'Используется GET, где необходимо использовать POST');
      if (fields.json !== '1') return { status: 200, body: '100\n000000-10000000' };
      if (fields.api_id !== SMSRU.apiId) return error(200, 'Неправильный api_id');
      if (!fields.msg) return error(203, 'Нет текста сообщения');
      if (!/^[1-9]\d{6,14}$/.test(fields.to ?? ''))
        return forNumber(fields.to ?? '', {
          status: 'ERROR',
          status_code: 202,
          status_text: 'Неправильно указан номер телефона получателя',
        });
      return null;
    },
    answer(behaviour, fields) {
      switch (behaviour) {
        case 'ok':
          return forNumber(fields.to, { status: 'OK', status_code: 100, sms_id: `000000-${hex(8)}` });
        case 'server-error':
          return { status: 502, body: '' };
        case 'throttled':
          return error(220, 'Сервис временно недоступен, попробуйте чуть позже');
        case 'bad-number':
          return forNumber(fields.to, {
            status: 'ERROR',
            status_code: 202,
            status_text: 'Неправильно указан номер телефона получателя',
          });
        case 'bad-credentials':
          return error(200, 'Неправильный api_id');
      }
    },
    message: (fields) => ({ to: fields.to, text: fields.msg }),
    idIn: (answer) => Object.values((answer.body as { sms: Record<string, { sms_id: string }> }).sms)[0].sms_id,
    // https://sms.ru/api/callback: data[N] entries "sms_status\n<id>\n<code>\n<unix time>" and hash, the
    // SHA-256 of the api_id followed by the entries; the account's callback address is set in its settings.
    report(message, state, { url }) {
      if (!url) throw new Error("SMS.ru's callback address is the account's: give it");
      const code = { sent: 102, delivered: 103, undelivered: 106, failed: 108, expired: 104 }[state];
      const entry = `sms_status\n${message.providerId}\n${code}\n${Math.floor(Date.now() / 1000)}`;
      const hash = createHash('sha256')
        .update(SMSRU.apiId + entry)
        .digest('hex');
      return { url, method: 'POST', headers: {}, form: { 'data[0]': entry, hash } };
    },
  };
}

const PROVIDERS = { twilio, vonage, smsru };

export async function startGateway(kind: keyof typeof PROVIDERS): Promise<Gateway> {
  const provider = PROVIDERS[kind]();
  const received: Received[] = [];
  const requests: Gateway['requests'] = [];
  let script: Behaviour[] = [];
  const server = await serveScripted((request, raw) => {
    const fields = Object.fromEntries(new URLSearchParams(raw));
    const refusal = provider.refuse(request, fields);
    if (refusal) {
      requests.push({ behaviour: 'refused', at: Date.now(), reason: JSON.stringify(refusal.body) });
      return refusal;
    }
    const behaviour = script.shift() ?? 'ok';
    requests.push({ behaviour, at: Date.now() });
    if (behaviour === 'silence' || behaviour === 'reset') return behaviour;
    const answer = provider.answer(behaviour, fields);
    if (behaviour === 'ok')
      received.push({ ...provider.message(fields), at: Date.now(), fields, providerId: provider.idIn(answer) });
    return answer;
  });
  return {
    url: server.url,
    received,
    requests,
    script: (...behaviours) => (script = behaviours),
    report: (message, state, options = {}) => provider.report(message, state, options),
    close: server.close,
  };
}

/** A contract server on a port of its own, as `serveScripted` starts it. */
export interface ScriptedServer {
  url: string;
  close(): Promise<void>;
}

/**
 * What every contract server shares: each request's body read whole, then
 * `handle` answers it, or asks for `silence` (no answer: held until close, a
 * timeout for the client) or `reset` (the connection cut before an answer).
 */
export async function serveScripted(
  handle: (request: IncomingMessage, raw: string) => Answer | 'silence' | 'reset',
): Promise<ScriptedServer> {
  const held: ServerResponse[] = [];
  const server: Server = createServer((request, response) => {
    let raw = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (raw += chunk));
    request.on('end', () => {
      const answer = handle(request, raw);
      if (answer === 'silence') held.push(response);
      else if (answer === 'reset') request.socket.destroy();
      else send(response, answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const response of held) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function send(response: ServerResponse, { status, body }: Answer): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response
    .writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' })
    .end(text);
}

/** A port nothing listens on: a gateway that is down. */
export const DOWN = 'http://127.0.0.1:9';
