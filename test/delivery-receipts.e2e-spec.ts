import { ApiMetrics } from '../apps/api/src/metrics/api-metrics.js';
import { WorkerMetrics } from '../apps/worker/src/metrics/worker-metrics.js';
import {
  type Callback,
  SMSRU,
  startGateway,
  TWILIO,
  VONAGE,
  VONAGE_SIGNATURE,
  type Gateway,
  type Received,
} from './support/gateways.js';
import { counts, grown } from './support/metrics.js';
import { latestCodeRequest, nextPhone, startStack, type Stack } from './support/stack.js';
import { until } from './support/wait.js';

/**
 * SPEC section 14 from outside: the real API and worker send through local
 * servers that speak Twilio's, Vonage's and SMS.ru's documented APIs, and those
 * servers' status callbacks (their fields, headers and signatures) come back to
 * the API's public routes, as the gateways would send them to SMS_RECEIPTS_URL.
 */

/** The public address the gateways are given; the test carries their callbacks to the API itself. */
const RECEIPTS_URL = 'https://api.example.com';

const twilioSettings = (url: string) => ({
  TWILIO_ACCOUNT_SID: TWILIO.accountSid,
  TWILIO_AUTH_TOKEN: TWILIO.authToken,
  TWILIO_FROM: TWILIO.from,
  TWILIO_API_URL: url,
});
const vonageSettings = (url: string) => ({
  VONAGE_API_KEY: VONAGE.apiKey,
  VONAGE_API_SECRET: VONAGE.apiSecret,
  VONAGE_FROM: VONAGE.from,
  VONAGE_API_URL: url,
  VONAGE_SIGNATURE_SECRET: VONAGE_SIGNATURE.secret,
  VONAGE_SIGNATURE_METHOD: VONAGE_SIGNATURE.method,
});

/** A UK mobile number of its own for each call (English by its country). */
let ukCount = 0;
const ukPhone = () => `+4479111${String((ukCount += 1)).padStart(5, '0')}`;

/** Sends a gateway's callback to the API, as the gateway would reach it through SMS_RECEIPTS_URL. */
function deliver(stack: Stack, callback: Callback) {
  const path = new URL(callback.url).pathname;
  return stack.http().post(path).set(callback.headers).type('form').send(callback.form);
}

interface AttemptRow {
  transport: string;
  state: string;
  receipt_state: string | null;
  receipt_error: string | null;
  fallback: boolean;
}

const attemptsOf = (stack: Stack, codeRequestId: string) =>
  stack.db.query<AttemptRow[]>(
    `SELECT transport, state, receipt_state, receipt_error, fallback FROM sms_attempts
      WHERE code_request_id = $1 ORDER BY id`,
    [codeRequestId],
  );

const receiptsOf = (stack: Stack, codeRequestId: string) =>
  stack.db.query<Array<{ transport: string; state: string; error_code: string | null }>>(
    `SELECT a.transport, r.state, r.error_code FROM sms_receipts r JOIN sms_attempts a ON a.id = r.attempt_id
      WHERE a.code_request_id = $1 ORDER BY r.id`,
    [codeRequestId],
  );

async function sealed(stack: Stack, codeRequestId: string): Promise<boolean> {
  const [row] = await stack.db.query<Array<{ sealed: boolean }>>(
    'SELECT code_sealed IS NOT NULL AS sealed FROM code_requests WHERE id = $1',
    [codeRequestId],
  );
  return row.sealed;
}

const to = (gateway: Gateway, addressed: string) => gateway.received.filter((message) => message.to === addressed);
const codeIn = (text: string) => /\b(\d{4})\b/.exec(text)![1];

/** Waits a moment in which nothing should happen, then says what did. */
const quietly = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Twilio then Vonage, both local, receipts asked for; `fallbackAfter` seconds of silence open the second route. */
async function twoGateways(fallbackAfter: string): Promise<{ twilio: Gateway; vonage: Gateway; stack: Stack }> {
  const twilio = await startGateway('twilio');
  const vonage = await startGateway('vonage');
  const stack = await startStack({
    env: {
      SMS_TRANSPORT: 'twilio,vonage',
      ...twilioSettings(twilio.url),
      ...vonageSettings(vonage.url),
      SMS_RECEIPTS_URL: RECEIPTS_URL,
      SMS_FALLBACK_AFTER_SECONDS: fallbackAfter,
    },
  });
  return { twilio, vonage, stack };
}

describe('delivery receipts, and a second route when the first does not deliver (SMS_TRANSPORT=twilio,vonage)', () => {
  let twilio: Gateway;
  let vonage: Gateway;
  let stack: Stack;

  beforeAll(async () => {
    ({ twilio, vonage, stack } = await twoGateways('0'));
  });
  afterAll(async () => {
    await stack.close();
    await twilio.close();
    await vonage.close();
  });

  /** A signup, and the message Twilio took for it. */
  async function sent(phone = nextPhone(), body: object = {}): Promise<{ id: string; message: Received }> {
    await stack
      .http()
      .post('/api/v1/auth/signup/')
      .send({ phone_number: phone, ...body })
      .expect(202);
    const message = await until('Twilio took the message', () => to(twilio, phone)[0]);
    return { id: await latestCodeRequest(stack, phone), message };
  }

  it("records a code's life from Twilio's signed status callbacks: sent, then delivered", async () => {
    const before = await counts(stack.api.get(ApiMetrics), 'sms_receipts_total');
    const { id, message } = await sent();
    expect(message.fields.StatusCallback).toBe(`${RECEIPTS_URL}/api/v1/hooks/sms/twilio/`);
    const life: string[] = [`POST ${twilio.url}/2010-04-01/Accounts/…/Messages.json → 201 ${message.providerId}`];
    for (const state of ['sent', 'delivered'] as const) {
      const callback = twilio.report(message, state);
      await deliver(stack, callback).expect(204);
      life.push(`POST ${new URL(callback.url).pathname} MessageStatus=${state} X-Twilio-Signature → 204`);
    }
    console.log(`one code's life with receipts:\n  ${life.join('\n  ')}`);
    expect(await attemptsOf(stack, id)).toEqual([
      { transport: 'twilio', state: 'accepted', receipt_state: 'delivered', receipt_error: null, fallback: false },
    ]);
    expect(await receiptsOf(stack, id)).toEqual([
      { transport: 'twilio', state: 'sent', error_code: null },
      { transport: 'twilio', state: 'delivered', error_code: null },
    ]);
    // Delivered: the sealed copy kept for a second route is gone.
    expect(await sealed(stack, id)).toBe(false);
    expect(grown(before, await counts(stack.api.get(ApiMetrics), 'sms_receipts_total'))).toEqual({
      'twilio RU delivered': 1,
    });
  });

  it('refuses a receipt whose signature does not check out with 403 SIGNATURE_INVALID, changing nothing', async () => {
    const before = await counts(stack.api.get(ApiMetrics), 'sms_receipts_refused_total');
    const { id, message } = await sent();
    const genuine = twilio.report(message, 'delivered');
    // A forger turns "delivered" into "undelivered" to have a second message sent: the signature no longer fits.
    const forged = { ...genuine, form: { ...genuine.form, MessageStatus: 'undelivered', SmsStatus: 'undelivered' } };
    const refused = await deliver(stack, forged).expect(403);
    expect(refused.body).toMatchObject({ error: 'SIGNATURE_INVALID' });
    await deliver(stack, { ...genuine, headers: {} }).expect(403);
    await deliver(stack, { ...genuine, headers: { 'x-twilio-signature': 'AAAA' } }).expect(403);
    // Signed for another address (a replay from elsewhere): refused too.
    const elsewhere = { ...message.fields, StatusCallback: 'https://evil.example/api/v1/hooks/sms/twilio/' };
    await deliver(stack, {
      ...twilio.report({ ...message, fields: elsewhere }, 'undelivered'),
      url: genuine.url,
    }).expect(403);
    await quietly(300);
    expect(await receiptsOf(stack, id)).toEqual([]);
    expect(to(vonage, message.to.slice(1))).toEqual([]);
    expect(grown(before, await counts(stack.api.get(ApiMetrics), 'sms_receipts_refused_total'))).toEqual({
      'twilio bad_signature': 4,
    });
    // The genuine one still counts afterwards.
    await deliver(stack, genuine).expect(204);
    expect((await attemptsOf(stack, id))[0].receipt_state).toBe('delivered');
  });

  it('counts and ignores a signed receipt for a message it did not send', async () => {
    const before = await counts(stack.api.get(ApiMetrics), 'sms_receipts_refused_total');
    const { message } = await sent();
    const stranger = { ...message, providerId: `SM${'0'.repeat(32)}` };
    await deliver(stack, twilio.report(stranger, 'undelivered', { errorCode: '30003' })).expect(204);
    await quietly(300);
    expect(to(vonage, message.to.slice(1))).toEqual([]);
    expect(grown(before, await counts(stack.api.get(ApiMetrics), 'sms_receipts_refused_total'))).toEqual({
      'twilio unknown_message': 1,
    });
  });

  it('records a receipt that arrives before the worker stored the message id (a fast gateway)', async () => {
    const { id, message } = await sent();
    // As if Twilio had called back between its 201 and the worker's write of the sid: the sid lands 400 ms later.
    const early = `SM${'e'.repeat(32)}`;
    const callback = twilio.report({ ...message, providerId: early }, 'delivered');
    const landing = (async () => {
      await quietly(400);
      await stack.db.query(`UPDATE sms_attempts SET provider_id = $2 WHERE code_request_id = $1`, [id, early]);
    })();
    await deliver(stack, callback).expect(204);
    await landing;
    expect((await attemptsOf(stack, id))[0].receipt_state).toBe('delivered');
  });

  it('sends the same code once more through Vonage when Twilio reports it undelivered, and it signs in', async () => {
    const phone = nextPhone();
    const { id, message } = await sent(phone);
    await deliver(stack, twilio.report(message, 'undelivered', { errorCode: '30003' })).expect(204);
    const second = await until('the second message, through Vonage', () => to(vonage, phone.slice(1))[0]);
    expect(codeIn(second.text)).toBe(codeIn(message.text));
    expect(second.fields.callback).toBe(`${RECEIPTS_URL}/api/v1/hooks/sms/vonage/`);
    // Vonage's signed receipt of the second message.
    await deliver(stack, vonage.report(second, 'delivered')).expect(204);
    expect(await attemptsOf(stack, id)).toEqual([
      { transport: 'twilio', state: 'accepted', receipt_state: 'undelivered', receipt_error: '30003', fallback: false },
      { transport: 'vonage', state: 'accepted', receipt_state: 'delivered', receipt_error: null, fallback: true },
    ]);
    expect(await sealed(stack, id)).toBe(false);
    // Twilio's receipt again (a retry) changes nothing, and sends nothing.
    await deliver(stack, twilio.report(message, 'undelivered', { errorCode: '30003' })).expect(204);
    await quietly(500);
    expect([to(twilio, phone).length, to(vonage, phone.slice(1)).length]).toEqual([1, 1]);
    await stack
      .http()
      .post('/api/v1/auth/code/')
      .send({ phone_number: phone, code: codeIn(second.text) })
      .expect(200);
  });

  it('never sends a third message: the second undelivered too ends there', async () => {
    const phone = nextPhone();
    const { id, message } = await sent(phone);
    await deliver(stack, twilio.report(message, 'failed', { errorCode: '30008' })).expect(204);
    const second = await until('the second message', () => to(vonage, phone.slice(1))[0]);
    await deliver(stack, vonage.report(second, 'undelivered')).expect(204);
    await quietly(1_000);
    expect([to(twilio, phone).length, to(vonage, phone.slice(1)).length]).toEqual([1, 1]);
    expect((await attemptsOf(stack, id)).map((attempt) => attempt.receipt_state)).toEqual(['failed', 'failed']);
    expect(await sealed(stack, id)).toBe(false);
  });

  it('refuses a Vonage receipt signed with another secret, or replayed after five minutes', async () => {
    const phone = nextPhone();
    const { message } = await sent(phone);
    await deliver(stack, twilio.report(message, 'undelivered')).expect(204);
    const second = await until('the second message', () => to(vonage, phone.slice(1))[0]);
    const genuine = vonage.report(second, 'delivered');
    await deliver(stack, { ...genuine, form: { ...genuine.form, status: 'failed' } }).expect(403);
    const { sig: _sig, ...unsigned } = genuine.form;
    await deliver(stack, { ...genuine, form: unsigned }).expect(403);
    // The receipt as a GET, the way an account set to GET sends it: the same check.
    const path = new URL(genuine.url).pathname;
    await stack
      .http()
      .get(path)
      .query({ ...genuine.form, status: 'failed' })
      .expect(403);
    await stack.http().get(path).query(genuine.form).expect(204);
  });

  it("writes the message in the person's language: the signup's locale, else the number's country", async () => {
    const russian = /^Код для входа: \d{4}\. Действует 5 мин\. Никому не сообщайте\./;
    const english = /^Your sign-in code is \d{4}\. It expires in 5 min\. Never share it with anyone\./;
    expect((await sent(nextPhone())).message.text).toMatch(russian);
    expect((await sent(nextPhone(), { locale: 'en-GB' })).message.text).toMatch(english);
    expect((await sent(ukPhone())).message.text).toMatch(english);
    expect((await sent(ukPhone(), { locale: 'ru' })).message.text).toMatch(russian);
    // A language without templates: the country decides.
    expect((await sent(nextPhone(), { locale: 'de' })).message.text).toMatch(russian);
    for (const locale of ['', 'русский', 'en_GB!', 'x'.repeat(36), 'constructor', 42]) {
      const answer = await stack.http().post('/api/v1/auth/signup/').send({ phone_number: nextPhone(), locale });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: 'VALIDATION_FAILED' });
      expect(JSON.stringify(answer.body.details)).toContain('locale');
    }
  });
});

describe('the second route on silence (SMS_FALLBACK_AFTER_SECONDS=2)', () => {
  let twilio: Gateway;
  let vonage: Gateway;
  let stack: Stack;

  beforeAll(async () => {
    ({ twilio, vonage, stack } = await twoGateways('2'));
  });
  afterAll(async () => {
    await stack.close();
    await twilio.close();
    await vonage.close();
  });

  it('hands a code with no final receipt in time to Vonage, once; a delivered one stays put', async () => {
    const silent = nextPhone();
    const heard = nextPhone();
    for (const phone of [silent, heard]) {
      await stack.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
    }
    const first = await until('Twilio took both', () => {
      const [a, b] = [to(twilio, silent)[0], to(twilio, heard)[0]];
      return a && b ? { silent: a, heard: b } : undefined;
    });
    // "sent" is no final word: still silence. The other one is delivered in time.
    await deliver(stack, twilio.report(first.silent, 'sent')).expect(204);
    await deliver(stack, twilio.report(first.heard, 'delivered')).expect(204);
    const took = Date.now();
    const second = await until('the second message after the silence', () => to(vonage, silent.slice(1))[0], 15_000);
    console.log(`silence: the second message reached Vonage ${Date.now() - took} ms after the sent receipt`);
    expect(codeIn(second.text)).toBe(codeIn(first.silent.text));
    await quietly(3_000);
    expect([to(twilio, silent).length, to(vonage, silent.slice(1)).length]).toEqual([1, 1]);
    expect(to(vonage, heard.slice(1))).toEqual([]);
    // Counted with the silent codes the first describe left in this file's database (taken, never reported).
    const [{ silent: claimed }] = await stack.db.query<Array<{ silent: number }>>(
      `SELECT count(*)::int AS silent FROM code_requests c WHERE fallback_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM sms_attempts a WHERE a.code_request_id = c.id AND NOT a.fallback
                           AND a.receipt_state IN ('undelivered', 'failed', 'expired'))`,
    );
    expect(grown({}, await counts(stack.worker!.get(WorkerMetrics), 'sms_fallbacks_total'))).toEqual({
      silence: claimed,
    });
  });
});

describe('SMS.ru callbacks (SMS_TRANSPORT=smsru)', () => {
  let smsru: Gateway;
  let stack: Stack;
  const callbackUrl = `${RECEIPTS_URL}/api/v1/hooks/sms/smsru/`;

  beforeAll(async () => {
    smsru = await startGateway('smsru');
    stack = await startStack({
      env: { SMS_TRANSPORT: 'smsru', SMSRU_API_ID: SMSRU.apiId, SMSRU_FROM: SMSRU.from, SMSRU_API_URL: smsru.url },
    });
  });
  afterAll(async () => {
    await stack.close();
    await smsru.close();
  });

  it('records a status entry checked by its hash, answers 100, and refuses a wrong hash', async () => {
    const phone = nextPhone();
    await stack.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
    const message = await until('SMS.ru took it', () => to(smsru, phone.slice(1))[0]);
    const id = await latestCodeRequest(stack, phone);
    const genuine = smsru.report(message, 'delivered', { url: callbackUrl });
    const wrong = (genuine.form.hash[0] === '0' ? '1' : '0') + genuine.form.hash.slice(1);
    await deliver(stack, { ...genuine, form: { ...genuine.form, hash: wrong } }).expect(403);
    expect(await receiptsOf(stack, id)).toEqual([]);
    const answer = await deliver(stack, genuine).expect(200);
    expect(answer.text).toBe('100');
    expect(await receiptsOf(stack, id)).toEqual([{ transport: 'smsru', state: 'delivered', error_code: null }]);
  });

  it('takes a form nowhere else: a form to another route is still 415', async () => {
    const answer = await stack.http().post('/api/v1/auth/signup/').type('form').send({ phone_number: nextPhone() });
    expect(answer.status).toBe(415);
    expect(answer.body).toMatchObject({ error: 'UNSUPPORTED_MEDIA_TYPE' });
  });
});
