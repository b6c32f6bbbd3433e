import { errors } from 'undici';
import { SmsFailure } from '../sms-transport.js';
import { networkFailure } from './gateway-client.js';
import { readSmsRuAnswer } from './smsru.transport.js';
import { readTwilioAnswer } from './twilio.transport.js';
import { readTelegramAnswer } from './telegram.transport.js';
import { readVonageAnswer } from './vonage.transport.js';
import { readWhatsAppAnswer } from './whatsapp.transport.js';

/**
 * How each gateway's answer is read: a hand-over with the provider's id, or a
 * failure that is for now (try again), for good (next transport), or
 * ambiguous (maybe sent: never sent again). The bodies are the providers'
 * documented ones; the e2e tests send the same through local servers.
 */

const answer = (status: number, body: unknown) => ({
  status,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

function failureOf(read: () => unknown): { kind: string; message: string } {
  try {
    read();
  } catch (error) {
    if (error instanceof SmsFailure) return { kind: error.kind, message: error.message };
    throw error;
  }
  throw new Error('read as a hand-over');
}

describe('Twilio’s answers', () => {
  it('takes 201 with a sid as a hand-over', () => {
    expect(readTwilioAnswer(answer(201, { sid: 'SM123', status: 'queued' }))).toEqual({ providerId: 'SM123' });
  });

  it.each([
    [429, { code: 20429, message: 'Too Many Requests', status: 429 }, 'transient'],
    [503, { code: 20503, message: 'Service unavailable', status: 503 }, 'transient'],
    [500, 'not json', 'transient'],
    [400, { code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 }, 'permanent'],
    [401, { code: 20003, message: 'Authenticate', status: 401 }, 'permanent'],
    [201, { status: 'queued' }, 'permanent'],
  ] as const)('reads %i %j as %s', (status, body, kind) => {
    expect(failureOf(() => readTwilioAnswer(answer(status, body))).kind).toBe(kind);
  });

  it('names the status and Twilio’s code in the reason', () => {
    expect(failureOf(() => readTwilioAnswer(answer(401, { code: 20003, message: 'Authenticate' }))).message).toBe(
      'Twilio answered 401 20003: Authenticate',
    );
  });
});

describe('Vonage’s answers (HTTP 200 whatever happened)', () => {
  it('takes status "0" with a message-id as a hand-over', () => {
    const body = { 'message-count': '1', messages: [{ status: '0', 'message-id': '0A000000123' }] };
    expect(readVonageAnswer(answer(200, body))).toEqual({ providerId: '0A000000123' });
  });

  it.each([
    ['1', 'Throttled', 'transient'],
    ['5', 'Internal Error', 'transient'],
    ['2', 'Missing params', 'permanent'],
    ['4', 'Bad Credentials', 'permanent'],
    ['6', 'Invalid Message', 'permanent'],
  ] as const)('reads status %s (%s) as %s', (status, text, kind) => {
    const failure = failureOf(() => readVonageAnswer(answer(200, { messages: [{ status, 'error-text': text }] })));
    expect(failure).toEqual({ kind, message: `Vonage status ${status}: ${text}` });
  });

  it('reads an HTTP error by its status, and an empty answer for good', () => {
    expect(failureOf(() => readVonageAnswer(answer(502, ''))).kind).toBe('transient');
    expect(failureOf(() => readVonageAnswer(answer(200, {}))).kind).toBe('permanent');
  });
});

describe('SMS.ru’s answers', () => {
  it('takes OK for the request and for the number as a hand-over', () => {
    const body = {
      status: 'OK',
      status_code: 100,
      sms: { '79991234567': { status: 'OK', status_code: 100, sms_id: '000-1' } },
    };
    expect(readSmsRuAnswer(answer(200, body), '79991234567')).toEqual({ providerId: '000-1' });
  });

  it.each([
    [{ status: 'ERROR', status_code: 220, status_text: 'Сервис временно недоступен' }, 'transient'],
    [
      { status: 'OK', sms: { '79991234567': { status: 'ERROR', status_code: 231, status_text: 'limit' } } },
      'transient',
    ],
    [{ status: 'ERROR', status_code: 200, status_text: 'Неправильный api_id' }, 'permanent'],
    [
      { status: 'OK', sms: { '79991234567': { status: 'ERROR', status_code: 202, status_text: 'bad number' } } },
      'permanent',
    ],
    [{ status: 'OK', sms: {} }, 'permanent'],
  ] as const)('reads %j as %s', (body, kind) => {
    expect(failureOf(() => readSmsRuAnswer(answer(200, body), '79991234567')).kind).toBe(kind);
  });
});

describe('a request that failed on the network', () => {
  it.each(['ECONNREFUSED', 'ENOTFOUND', 'UND_ERR_CONNECT_TIMEOUT'])('was not sent after %s: for now', (code) => {
    expect(networkFailure(Object.assign(new Error(code), { code })).kind).toBe('transient');
    expect(networkFailure(Object.assign(new Error('fetch failed'), { cause: { code } })).kind).toBe('transient');
  });

  it('may have been sent when no answer came in time, or the connection dropped after it went out', () => {
    expect(networkFailure(new errors.HeadersTimeoutError()).kind).toBe('ambiguous');
    expect(networkFailure(new errors.BodyTimeoutError()).kind).toBe('ambiguous');
    expect(networkFailure(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })).kind).toBe(
      'ambiguous',
    );
  });
});

/**
 * How the Cloud API's answers to a send are read: its documented success body
 * and Graph API error bodies, as the contract server in test/support sends them.
 */

const graphError = (code: number, message: string, type = 'OAuthException') => ({
  error: {
    message,
    type,
    code,
    error_data: { messaging_product: 'whatsapp', details: message },
    fbtrace_id: 'AbCdEfGhIjKlMnOpQrStUvW',
  },
});

describe('WhatsApp Cloud API’s answers', () => {
  it('takes 200 with a wamid as a hand-over', () => {
    const body = {
      messaging_product: 'whatsapp',
      contacts: [{ input: '12015553931', wa_id: '12015553931' }],
      messages: [{ id: 'wamid.HBgLMTIwMTU1NTM5MzEVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA', message_status: 'accepted' }],
    };
    expect(readWhatsAppAnswer(answer(200, body))).toEqual({
      providerId: 'wamid.HBgLMTIwMTU1NTM5MzEVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA',
    });
  });

  it.each([
    [400, 130429, '(#130429) Rate limit hit'],
    [400, 80007, '(#80007) Rate limit issues'],
    [400, 4, '(#4) Application request limit reached'],
    [400, 131048, '(#131048) Spam rate limit hit'],
    [400, 131056, '(#131056) (Business Account, Consumer Account) pair rate limit hit'],
    [500, 131000, '(#131000) Something went wrong'],
    [503, 131016, '(#131016) Service unavailable'],
    [503, 2, '(#2) Service temporarily unavailable'],
    [400, 1, '(#1) An unknown error occurred'],
  ] as const)('reads %i with code %i as for now', (status, code, message) => {
    expect(failureOf(() => readWhatsAppAnswer(answer(status, graphError(code, message))))).toEqual({
      kind: 'transient',
      message: `WhatsApp answered ${status} ${code}: ${message}`,
    });
  });

  it.each([
    [400, 100, '(#100) Invalid parameter'],
    [401, 190, 'Invalid OAuth access token - Cannot parse access token'],
    [403, 10, '(#10) Application does not have permission for this action'],
    [403, 200, '(#200) Permissions error'],
    [400, 131026, '(#131026) Message undeliverable'],
    [400, 131030, '(#131030) Recipient phone number not in allowed list'],
    [400, 131009, '(#131009) Parameter value is not valid'],
    [400, 131047, '(#131047) Re-engagement message'],
    [400, 132000, '(#132000) Number of parameters does not match the expected number of params'],
    [404, 132001, '(#132001) Template name does not exist in the translation'],
    [400, 133010, '(#133010) Account not registered'],
    [403, 368, '(#368) Temporarily blocked for policies violations'],
  ] as const)('reads %i with code %i as for good', (status, code, message) => {
    expect(failureOf(() => readWhatsAppAnswer(answer(status, graphError(code, message)))).kind).toBe('permanent');
  });

  it('reads any 5xx as for now, with or without a JSON body', () => {
    expect(failureOf(() => readWhatsAppAnswer(answer(500, '<html>Internal Server Error</html>')))).toEqual({
      kind: 'transient',
      message: 'WhatsApp answered 500: no error message',
    });
    expect(failureOf(() => readWhatsAppAnswer(answer(502, ''))).kind).toBe('transient');
    expect(failureOf(() => readWhatsAppAnswer(answer(429, ''))).kind).toBe('transient');
  });

  it('reads a 4xx without a Graph error for good', () => {
    expect(failureOf(() => readWhatsAppAnswer(answer(400, 'Bad Request'))).kind).toBe('permanent');
  });

  it('reads a 200 without a message id as ambiguous: Meta may have taken it', () => {
    expect(failureOf(() => readWhatsAppAnswer(answer(200, { messaging_product: 'whatsapp', messages: [] })))).toEqual({
      kind: 'ambiguous',
      message: 'WhatsApp answered 200 without a message id',
    });
    expect(failureOf(() => readWhatsAppAnswer(answer(200, 'not json'))).kind).toBe('ambiguous');
    expect(failureOf(() => readWhatsAppAnswer(answer(200, { messages: [{ id: 42 }] }))).kind).toBe('ambiguous');
  });

  it('cuts a long error message to 200 characters', () => {
    const failure = failureOf(() => readWhatsAppAnswer(answer(400, graphError(100, 'x'.repeat(500)))));
    expect(failure.message).toBe(`WhatsApp answered 400 100: ${'x'.repeat(200)}`);
  });
});

/**
 * How Telegram Gateway's answers are read (https://core.telegram.org/gateway/api):
 * `{ok: true, result: RequestStatus}` is a hand-over, `{ok: false, error}` a
 * refusal for now (flood control, 429, 5xx) or for good, and a 200 we cannot
 * read may have been taken.
 */

describe('Telegram Gateway’s answers', () => {
  it('takes ok with a RequestStatus as a hand-over under its request_id', () => {
    const body = {
      ok: true,
      result: {
        request_id: 'a1b2c3',
        phone_number: '+447700900001',
        request_cost: 0.01,
        remaining_balance: 9.99,
        delivery_status: { status: 'sent', updated_at: 1_765_000_000 },
        payload: 'code-request-id',
      },
    };
    expect(readTelegramAnswer(answer(200, body))).toEqual({ providerId: 'a1b2c3' });
  });

  it.each([
    [429, { ok: false, error: 'FLOOD_WAIT_5' }, 'transient'],
    [400, { ok: false, error: 'FLOOD_WAIT_30' }, 'transient'],
    [200, { ok: false, error: 'TOO_MANY_REQUESTS' }, 'transient'],
    [429, 'Too Many Requests', 'transient'],
    [500, { ok: false, error: 'INTERNAL_ERROR' }, 'transient'],
    [502, '<html>Bad Gateway</html>', 'transient'],
    [401, { ok: false, error: 'ACCESS_TOKEN_INVALID' }, 'permanent'],
    [400, { ok: false, error: 'PHONE_NUMBER_INVALID' }, 'permanent'],
    [400, { ok: false, error: 'BALANCE_NOT_ENOUGH' }, 'permanent'],
    [400, { ok: false, error: 'PHONE_NUMBER_NOT_FOUND' }, 'permanent'],
    [400, { ok: false, error: 'CODE_INVALID' }, 'permanent'],
    [200, { ok: false, error: 'PHONE_NUMBER_INVALID' }, 'permanent'],
    [200, { ok: false }, 'permanent'],
    [404, 'not found', 'permanent'],
  ] as const)('reads %i %j as %s', (status, body, kind) => {
    expect(failureOf(() => readTelegramAnswer(answer(status, body))).kind).toBe(kind);
  });

  it.each([
    ['not JSON', 'upstream said something'],
    ['ok without a result', { ok: true }],
    ['ok without a request_id', { ok: true, result: { phone_number: '+447700900001' } }],
    ['an empty request_id', { ok: true, result: { request_id: '' } }],
    ['no ok at all', { result: { request_id: 'a1b2c3' } }],
  ])('reads a 200 with %s as ambiguous: it may have been taken', (_, body) => {
    expect(failureOf(() => readTelegramAnswer(answer(200, body))).kind).toBe('ambiguous');
  });

  it('names the status and Telegram’s error in the reason, cut at 200 characters', () => {
    expect(failureOf(() => readTelegramAnswer(answer(401, { ok: false, error: 'ACCESS_TOKEN_INVALID' })))).toEqual({
      kind: 'permanent',
      message: 'Telegram Gateway answered 401: ACCESS_TOKEN_INVALID',
    });
    const long = failureOf(() => readTelegramAnswer(answer(400, { ok: false, error: 'X'.repeat(500) })));
    expect(long.message).toBe(`Telegram Gateway answered 400: ${'X'.repeat(200)}`);
  });
});
