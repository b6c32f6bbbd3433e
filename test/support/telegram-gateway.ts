import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type Answer, type Behaviour, type Received, type ReportedState, serveScripted } from './gateways.js';

/**
 * A local server that speaks Telegram's Gateway API as documented at
 * https://core.telegram.org/gateway/api: methods at /<method> (case-insensitive),
 * GET or POST, parameters in the query string, a form or JSON, the token as
 * `Authorization: Bearer` (or `access_token`), answers `{ok: true, result}` or
 * `{ok: false, error}`. It checks sendVerificationMessage's parameters as the
 * docs state them, records revokeVerificationMessage, and builds the signed
 * delivery reports the Gateway POSTs to a message's callback_url. The docs give
 * no HTTP statuses or names for errors: those here are our stand-ins.
 */

export const TELEGRAM = { token: 'telegram-gateway-test-token-0123' };

/** A delivery report as the Gateway sends it: a RequestStatus JSON body, signed in its headers. */
export interface TelegramReport {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

export interface TelegramGateway {
  url: string;
  /** The verification messages taken: to = phone_number, text = code, providerId = request_id. */
  received: Received[];
  /** Every request, valid or not, and what it met; `method` is the API method as called. */
  requests: Array<{ behaviour: Behaviour | 'refused'; at: number; method: string; reason?: string }>;
  /** The request ids revokeVerificationMessage took, in order. */
  revoked: string[];
  /** The behaviours of the next sendVerificationMessage requests, in order; after them, `ok`. */
  script(...behaviours: Behaviour[]): void;
  /** The same for the next revokeVerificationMessage requests (`bad-number`: an unknown request id). */
  scriptRevokes(...behaviours: Behaviour[]): void;
  /** The report the Gateway would POST for a message it took, to its callback_url unless `url` is given. */
  report(message: Received, state: ReportedState, options?: { url?: string }): TelegramReport;
  close(): Promise<void>;
}

const failure = (status: number, error: string): Answer => ({ status, body: { ok: false, error } });
const TOKEN_INVALID = failure(401, 'ACCESS_TOKEN_INVALID');
const THROTTLED = failure(429, 'FLOOD_WAIT_5');
const SERVER_ERROR = failure(500, 'INTERNAL_SERVER_ERROR');

const E164 = /^\+[1-9]\d{6,14}$/;
const hex = (length: number) => Array.from({ length }, () => Math.floor(Math.random() * 16).toString(16)).join('');
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** The DeliveryStatus.status the Gateway reports for each of our test states: it has no failure but expiry. */
const DELIVERY_STATUS: Record<ReportedState, string> = {
  sent: 'sent',
  delivered: 'delivered',
  expired: 'expired',
  undelivered: 'expired',
  failed: 'expired',
};

/** The request's parameters as strings: query string, then a form or JSON body over it. */
function parametersOf(request: IncomingMessage, raw: string): Record<string, string> | null {
  const fields = Object.fromEntries(new URL(request.url ?? '/', 'http://gateway').searchParams);
  const type = request.headers['content-type'] ?? '';
  if (raw === '') return fields;
  if (type.startsWith('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return null;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
    for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (value === null || value === undefined) continue;
      fields[name] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    return fields;
  }
  if (type.startsWith('application/x-www-form-urlencoded'))
    return { ...fields, ...Object.fromEntries(new URLSearchParams(raw)) };
  return null;
}

/** Why sendVerificationMessage's parameters are not ones the Gateway takes; null when they are. */
function refuseSend(fields: Record<string, string>): Answer | null {
  if (!E164.test(fields.phone_number ?? '')) return failure(400, 'PHONE_NUMBER_INVALID');
  if (fields.code !== undefined && !/^\d{4,8}$/.test(fields.code)) return failure(400, 'CODE_INVALID');
  if (fields.code === undefined && fields.code_length !== undefined && !/^[4-8]$/.test(fields.code_length))
    return failure(400, 'CODE_LENGTH_INVALID');
  if (fields.ttl !== undefined && !(/^\d+$/.test(fields.ttl) && Number(fields.ttl) >= 30 && Number(fields.ttl) <= 3600))
    return failure(400, 'TTL_INVALID');
  if (fields.payload !== undefined && bytes(fields.payload) > 128) return failure(400, 'PAYLOAD_INVALID');
  if (fields.callback_url !== undefined) {
    let scheme = '';
    try {
      scheme = new URL(fields.callback_url).protocol;
    } catch {
      // not a URL: refused below
    }
    // The docs ask for HTTPS; the tests' receivers listen on plain HTTP.
    if ((scheme !== 'https:' && scheme !== 'http:') || bytes(fields.callback_url) > 256)
      return failure(400, 'CALLBACK_URL_INVALID');
  }
  if (fields.sender_username !== undefined && !/^[A-Za-z][A-Za-z0-9_]{4,31}$/.test(fields.sender_username))
    return failure(400, 'SENDER_USERNAME_INVALID');
  return null;
}

export async function startTelegramGateway(): Promise<TelegramGateway> {
  const received: Received[] = [];
  const requests: TelegramGateway['requests'] = [];
  const revoked: string[] = [];
  /** Every request id handed out, revoked or not. */
  const sent = new Map<string, Received>();
  let sends: Behaviour[] = [];
  let revokes: Behaviour[] = [];
  let balance = 100;

  const sendAnswer = (behaviour: Exclude<Behaviour, 'silence' | 'reset'>, fields: Record<string, string>): Answer => {
    switch (behaviour) {
      case 'ok': {
        const requestId = hex(16);
        // Without our code, Telegram makes one of code_length digits.
        const length = Number(fields.code_length ?? 6);
        const code = fields.code ?? String(Math.floor(Math.random() * 10 ** length)).padStart(length, '0');
        const message: Received = {
          to: fields.phone_number,
          text: code,
          at: Date.now(),
          fields,
          providerId: requestId,
        };
        received.push(message);
        sent.set(requestId, message);
        balance = Math.round((balance - 0.01) * 100) / 100;
        return {
          status: 200,
          body: {
            ok: true,
            result: {
              request_id: requestId,
              phone_number: fields.phone_number,
              request_cost: 0.01,
              remaining_balance: balance,
              delivery_status: { status: 'sent', updated_at: Math.floor(Date.now() / 1000) },
              ...(fields.payload !== undefined ? { payload: fields.payload } : {}),
            },
          },
        };
      }
      case 'server-error':
        return SERVER_ERROR;
      case 'throttled':
        return THROTTLED;
      case 'bad-number':
        return failure(400, 'PHONE_NUMBER_INVALID');
      case 'bad-credentials':
        return TOKEN_INVALID;
    }
  };

  const revokeAnswer = (behaviour: Exclude<Behaviour, 'silence' | 'reset'>, requestId: string): Answer => {
    switch (behaviour) {
      case 'ok':
        if (!sent.has(requestId)) return failure(400, 'REQUEST_ID_INVALID');
        revoked.push(requestId);
        return { status: 200, body: { ok: true, result: true } };
      case 'server-error':
        return SERVER_ERROR;
      case 'throttled':
        return THROTTLED;
      case 'bad-number':
        return failure(400, 'REQUEST_ID_INVALID');
      case 'bad-credentials':
        return TOKEN_INVALID;
    }
  };

  const server = await serveScripted((request, raw) => {
    const path = new URL(request.url ?? '/', 'http://gateway').pathname;
    const method = path.replace(/^\/+/, '');
    const refuse = (answer: Answer) => {
      requests.push({ behaviour: 'refused', at: Date.now(), method, reason: JSON.stringify(answer.body) });
      return answer;
    };
    if (request.method !== 'POST' && request.method !== 'GET') return refuse(failure(405, 'METHOD_NOT_ALLOWED'));
    const fields = parametersOf(request, raw);
    if (!fields) return refuse(failure(400, 'INVALID_PARAMETERS'));
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if ((bearer ?? fields.access_token) !== TELEGRAM.token) return refuse(TOKEN_INVALID);
    delete fields.access_token;
    const kind = method.toLowerCase();
    if (kind !== 'sendverificationmessage' && kind !== 'revokeverificationmessage')
      return refuse(failure(404, 'METHOD_NOT_FOUND'));
    const isSend = kind === 'sendverificationmessage';
    const refusal = isSend ? refuseSend(fields) : fields.request_id ? null : failure(400, 'REQUEST_ID_REQUIRED');
    if (refusal) return refuse(refusal);

    const behaviour = (isSend ? sends.shift() : revokes.shift()) ?? 'ok';
    requests.push({ behaviour, at: Date.now(), method });
    if (behaviour === 'silence' || behaviour === 'reset') return behaviour;
    return isSend ? sendAnswer(behaviour, fields) : revokeAnswer(behaviour, fields.request_id);
  });

  return {
    url: server.url,
    received,
    requests,
    revoked,
    script: (...behaviours) => (sends = behaviours),
    scriptRevokes: (...behaviours) => (revokes = behaviours),
    // "Report delivery" and "Checking report integrity": a RequestStatus POSTed as JSON, with
    // X-Request-Timestamp and X-Request-Signature = hex HMAC-SHA-256 of "<timestamp>\n<body>", keyed with SHA256(token).
    report(message, state, options = {}) {
      const url = options.url ?? message.fields.callback_url;
      if (!url) throw new Error('the message was sent without a callback_url');
      const now = Math.floor(Date.now() / 1000);
      const status = DELIVERY_STATUS[state];
      const body = JSON.stringify({
        request_id: message.providerId,
        phone_number: message.to,
        request_cost: 0.01,
        ...(status === 'expired' ? { is_refunded: true } : {}),
        delivery_status: { status, updated_at: now },
        ...(message.fields.payload !== undefined ? { payload: message.fields.payload } : {}),
      });
      const timestamp = String(now);
      const key = createHash('sha256').update(TELEGRAM.token).digest();
      const signature = createHmac('sha256', key).update(`${timestamp}\n${body}`).digest('hex');
      return {
        url,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-request-timestamp': timestamp,
          'x-request-signature': signature,
        },
        body,
      };
    },
    close: server.close,
  };
}
