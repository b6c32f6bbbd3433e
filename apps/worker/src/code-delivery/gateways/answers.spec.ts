import { errors } from 'undici';
import { SmsFailure } from '../sms-transport.js';
import { networkFailure } from './gateway-client.js';
import { readSmsRuAnswer } from './smsru.transport.js';
import { readTwilioAnswer } from './twilio.transport.js';
import { readVonageAnswer } from './vonage.transport.js';

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
