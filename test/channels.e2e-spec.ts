import { createHash, createHmac } from 'node:crypto';
import { ApiMetrics } from '../apps/api/src/metrics/api-metrics.js';
import { TelegramRevocationsSweep } from '../apps/worker/src/code-delivery/telegram-revocations.sweep.js';
import { startGateway, TWILIO, type Gateway, type Received } from './support/gateways.js';
import { counts, grown } from './support/metrics.js';
import { latestCodeRequest, nextPhone, skipCooldown, startStack, type Stack } from './support/stack.js';
import { startTelegramGateway, TELEGRAM, type TelegramGateway } from './support/telegram-gateway.js';
import { until } from './support/wait.js';
import { startWhatsApp, WHATSAPP, type WhatsAppCloud } from './support/whatsapp-cloud.js';

/**
 * SPEC section 15's channels from outside: the real API and worker send
 * through local servers that speak the WhatsApp Cloud API's, Telegram
 * Gateway's and Twilio's documented APIs; their signed status webhooks and
 * delivery reports come back to the API's public routes as the providers
 * would send them. SMS_TRANSPORT=whatsapp,twilio,telegram: WhatsApp first,
 * SMS behind it, Telegram last.
 */

const RECEIPTS_URL = 'https://api.example.com';
const VERIFY_TOKEN = 'meta-verify-token-0123';

/** A signed JSON callback, carried to the API as the provider would reach it through SMS_RECEIPTS_URL. */
function post(stack: Stack, callback: { url: string; headers: Record<string, string>; body: string }) {
  return stack
    .http()
    .post(new URL(callback.url).pathname)
    .set({ 'content-type': 'application/json', ...callback.headers })
    .send(callback.body);
}

const attemptsOf = (stack: Stack, codeRequestId: string) =>
  stack.db.query<
    Array<{
      transport: string;
      state: string;
      receipt_state: string | null;
      receipt_error: string | null;
      fallback: boolean;
    }>
  >(
    `SELECT transport, state, receipt_state, receipt_error, fallback FROM sms_attempts
      WHERE code_request_id = $1 ORDER BY id`,
    [codeRequestId],
  );

const quietly = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const digits = (phone: string) => phone.slice(1);
const codeIn = (text: string) => /\b(\d{4})\b/.exec(text)![1];

describe('channels: WhatsApp, then SMS, then Telegram (SMS_TRANSPORT=whatsapp,twilio,telegram)', () => {
  let whatsapp: WhatsAppCloud;
  let twilio: Gateway;
  let telegram: TelegramGateway;
  let stack: Stack;

  beforeAll(async () => {
    whatsapp = await startWhatsApp();
    twilio = await startGateway('twilio');
    telegram = await startTelegramGateway();
    stack = await startStack({
      env: {
        SMS_TRANSPORT: 'whatsapp,twilio,telegram',
        WHATSAPP_ACCESS_TOKEN: WHATSAPP.accessToken,
        WHATSAPP_PHONE_NUMBER_ID: WHATSAPP.phoneNumberId,
        WHATSAPP_TEMPLATE: WHATSAPP.template,
        WHATSAPP_APP_SECRET: WHATSAPP.appSecret,
        WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
        WHATSAPP_API_URL: whatsapp.url,
        TWILIO_ACCOUNT_SID: TWILIO.accountSid,
        TWILIO_AUTH_TOKEN: TWILIO.authToken,
        TWILIO_FROM: TWILIO.from,
        TWILIO_API_URL: twilio.url,
        TELEGRAM_GATEWAY_TOKEN: TELEGRAM.token,
        TELEGRAM_GATEWAY_API_URL: telegram.url,
        SMS_RECEIPTS_URL: RECEIPTS_URL,
        SMS_FALLBACK_AFTER_SECONDS: '0',
      },
    });
  });
  afterAll(async () => {
    await stack.close();
    await whatsapp.close();
    await twilio.close();
    await telegram.close();
  });

  const signup = async (phone: string, body: object = {}) =>
    (
      await stack
        .http()
        .post('/api/v1/auth/signup/')
        .send({ phone_number: phone, ...body })
        .expect(202)
    ).body as {
      channel: string;
    };
  const on = (messages: Received[], phone: string) =>
    messages.filter((message) => message.to === phone || message.to === digits(phone));

  it('sends the code by WhatsApp first and, when WhatsApp reports it undeliverable, the same code by SMS', async () => {
    const before = await counts(stack.api.get(ApiMetrics), 'sms_receipts_total');
    const phone = nextPhone();
    expect(await signup(phone)).toMatchObject({ channel: 'whatsapp' });
    const message = await until('WhatsApp took the message', () => on(whatsapp.received, phone)[0]);
    const id = await latestCodeRequest(stack, phone);
    // The authentication template: the code in its body and its copy-code button, the number's language.
    expect(message.fields).toMatchObject({ to: digits(phone), template: WHATSAPP.template, language: 'ru' });
    const code = message.text;
    expect(code).toMatch(/^\d{4}$/);

    const webhook = whatsapp.report(message, 'failed', {
      url: `${RECEIPTS_URL}/api/v1/hooks/whatsapp/`,
      errorCode: '131026',
    });
    await post(stack, webhook).expect(200);
    const sms = await until('Twilio took the second message', () => on(twilio.received, phone)[0]);
    expect(codeIn(sms.text)).toBe(code);
    console.log(
      [
        'a code that went WhatsApp → SMS:',
        `  POST ${new URL(whatsapp.url).pathname}/${WHATSAPP.phoneNumberId}/messages (Bearer) template=${WHATSAPP.template} language=ru → 200 ${message.providerId}`,
        `  POST /api/v1/hooks/whatsapp/ statuses[0].status=failed errors[0].code=131026 X-Hub-Signature-256 → 200`,
        `  POST /2010-04-01/Accounts/…/Messages.json To=${phone} Body="${sms.text.split('\n')[0]}" → 201 ${sms.providerId}`,
      ].join('\n'),
    );
    // The worker records the hand-over once Twilio's answer is in.
    await until(
      'the second attempt recorded',
      async () =>
        (await attemptsOf(stack, id)).some((attempt) => attempt.fallback && attempt.state === 'accepted') || undefined,
    );
    expect(await attemptsOf(stack, id)).toEqual([
      { transport: 'whatsapp', state: 'accepted', receipt_state: 'failed', receipt_error: '131026', fallback: false },
      { transport: 'twilio', state: 'accepted', receipt_state: null, receipt_error: null, fallback: true },
    ]);
    // The code from the SMS signs in; WhatsApp got one message, Telegram none.
    await stack.http().post('/api/v1/auth/code/').send({ phone_number: phone, code }).expect(200);
    expect(on(whatsapp.received, phone)).toHaveLength(1);
    expect(on(telegram.received, phone)).toHaveLength(0);
    expect(grown(before, await counts(stack.api.get(ApiMetrics), 'sms_receipts_total'))).toEqual({
      'whatsapp RU failed': 1,
    });
  });

  it('hands a code WhatsApp refuses at once (an invalid number) to SMS in the same delivery', async () => {
    whatsapp.script('bad-number');
    const phone = nextPhone();
    expect(await signup(phone)).toMatchObject({ channel: 'whatsapp' });
    await until('Twilio took the message', () => on(twilio.received, phone)[0]);
    expect(await attemptsOf(stack, await latestCodeRequest(stack, phone))).toMatchObject([
      { transport: 'whatsapp', state: 'permanent' },
      { transport: 'twilio', state: 'accepted', fallback: false },
    ]);
  });

  it('sends through the preferred channel first and says so: Telegram, with our code and a signed report', async () => {
    const phone = nextPhone();
    expect(await signup(phone, { channel: 'telegram' })).toMatchObject({ channel: 'telegram' });
    const message = await until('Telegram took the message', () => on(telegram.received, phone)[0]);
    const id = await latestCodeRequest(stack, phone);
    expect(message.fields).toMatchObject({
      phone_number: phone,
      callback_url: `${RECEIPTS_URL}/api/v1/hooks/telegram/`,
      payload: id,
      ttl: String(stack.config.otp.ttlSeconds),
    });
    expect(message.text).toMatch(/^\d{4}$/);
    const report = telegram.report(message, 'delivered');
    console.log(
      [
        'a code through Telegram Gateway:',
        `  POST /sendVerificationMessage (Bearer) phone_number=${phone} code=${message.text} ttl=${message.fields.ttl} payload=<code request id> callback_url=${message.fields.callback_url} → ok ${message.providerId}`,
        `  POST /api/v1/hooks/telegram/ delivery_status.status=delivered X-Request-Timestamp=${report.headers['x-request-timestamp']} X-Request-Signature=${report.headers['x-request-signature'].slice(0, 16)}… → 200`,
      ].join('\n'),
    );
    await post(stack, report).expect(200);
    expect(await attemptsOf(stack, id)).toMatchObject([{ transport: 'telegram', receipt_state: 'delivered' }]);
    // SMS and WhatsApp had nothing.
    expect(on(whatsapp.received, phone)).toHaveLength(0);
    expect(on(twilio.received, phone)).toHaveLength(0);
    await stack.http().post('/api/v1/auth/code/').send({ phone_number: phone, code: message.text }).expect(200);
  });

  it('prefers SMS when asked, and sends through the deployment’s order without a preference', async () => {
    const phone = nextPhone();
    expect(await signup(phone, { channel: 'sms' })).toMatchObject({ channel: 'sms' });
    await until('Twilio took the message', () => on(twilio.received, phone)[0]);
    expect(on(whatsapp.received, phone)).toHaveLength(0);
  });

  it('refuses an unknown channel with 400 VALIDATION_FAILED, sending nothing', async () => {
    const phone = nextPhone();
    const refused = await stack
      .http()
      .post('/api/v1/auth/signup/')
      .send({ phone_number: phone, channel: 'carrier-pigeon' })
      .expect(400);
    expect(refused.body).toMatchObject({ error: 'VALIDATION_FAILED', details: [{ field: 'channel' }] });
    const [{ n }] = await stack.db.query<Array<{ n: number }>>(
      'SELECT count(*)::int AS n FROM code_requests WHERE phone_number = $1',
      [phone],
    );
    expect(n).toBe(0);
  });

  it('revokes the Telegram message of a code that was replaced by a newer one', async () => {
    const phone = nextPhone();
    await signup(phone, { channel: 'telegram' });
    const first = await until('Telegram took the first message', () => on(telegram.received, phone)[0]);
    await skipCooldown(stack, phone);
    await signup(phone, { channel: 'telegram' });
    await until('Telegram took the second message', () => on(telegram.received, phone)[1]);
    const sweep = stack.worker!.get(TelegramRevocationsSweep);
    await until('the replaced code’s message revoked', async () => {
      await sweep.sweep();
      return telegram.revoked.includes(first.providerId) || undefined;
    });
    // Only the replaced one, once.
    await sweep.sweep();
    expect(telegram.revoked.filter((id) => on(telegram.received, phone).some((m) => m.providerId === id))).toEqual([
      first.providerId,
    ]);
  });

  it('refuses WhatsApp webhooks and Telegram reports whose signatures do not check out, changing nothing', async () => {
    const before = await counts(stack.api.get(ApiMetrics), 'sms_receipts_refused_total');
    const phone = nextPhone();
    await signup(phone);
    const message = await until('WhatsApp took the message', () => on(whatsapp.received, phone)[0]);
    const id = await latestCodeRequest(stack, phone);
    const genuine = whatsapp.report(message, 'failed', { url: `${RECEIPTS_URL}/api/v1/hooks/whatsapp/` });
    // A forger who cannot sign: another body under the genuine signature, no signature, a SHA-1 one.
    await post(stack, { ...genuine, body: genuine.body.replace('"failed"', '"failed" ') }).expect(403);
    await post(stack, { ...genuine, headers: {} }).expect(403);
    const sha1 = createHmac('sha1', WHATSAPP.appSecret).update(genuine.body).digest('hex');
    await post(stack, { ...genuine, headers: { 'x-hub-signature-256': `sha1=${sha1}` } }).expect(403);

    // Telegram: a report signed with another token, and a genuine one replayed ten minutes on.
    await signup(nextPhone(), { channel: 'telegram' });
    const sent = await until('Telegram took a message', () => telegram.received.at(-1));
    const report = telegram.report(sent, 'expired');
    const stale = String(Math.floor(Date.now() / 1000) - 600);
    const staleSignature = createHmac('sha256', createHash('sha256').update(TELEGRAM.token).digest())
      .update(`${stale}\n${report.body}`)
      .digest('hex');
    const refused = await post(stack, {
      ...report,
      headers: { 'x-request-timestamp': stale, 'x-request-signature': staleSignature },
    }).expect(403);
    expect(refused.body).toMatchObject({ error: 'SIGNATURE_INVALID' });
    await post(stack, { ...report, headers: { ...report.headers, 'x-request-signature': '0'.repeat(64) } }).expect(403);

    await quietly(300);
    expect(await attemptsOf(stack, id)).toMatchObject([{ transport: 'whatsapp', receipt_state: null }]);
    expect(on(twilio.received, phone)).toHaveLength(0);
    expect(grown(before, await counts(stack.api.get(ApiMetrics), 'sms_receipts_refused_total'))).toEqual({
      'whatsapp bad_signature': 3,
      'telegram bad_signature': 2,
    });
  });

  it('reads hostile bodies signed with the real secrets without a 5xx, changing nothing', async () => {
    const phone = nextPhone();
    await signup(phone);
    await until('WhatsApp took the message', () => on(whatsapp.received, phone)[0]);
    const id = await latestCodeRequest(stack, phone);
    const attempts = await attemptsOf(stack, id);
    const deep = (depth: number) => '{"entry":'.repeat(depth) + '[]' + '}'.repeat(depth);
    const bodies = [
      'null',
      '[]',
      '"statuses"',
      '1e308',
      deep(2_000),
      JSON.stringify({ entry: [{ changes: [{ field: 'messages', value: { statuses: [{ id: 7, status: {} }] } }] }] }),
      JSON.stringify({ entry: 'x', request_id: ['a'], delivery_status: { status: 'delivered', updated_at: 'never' } }),
      JSON.stringify({ 'a\u0000b': 'c\u0000d', request_id: 'x'.repeat(100_000) }),
      JSON.stringify({ request_id: 'unknown', delivery_status: { status: 'constructor' } }),
    ];
    const signedWhatsApp = (body: string) => ({
      url: `${RECEIPTS_URL}/api/v1/hooks/whatsapp/`,
      headers: {
        'x-hub-signature-256': `sha256=${createHmac('sha256', WHATSAPP.appSecret).update(body).digest('hex')}`,
      },
      body,
    });
    const signedTelegram = (body: string) => {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const key = createHash('sha256').update(TELEGRAM.token).digest();
      return {
        url: `${RECEIPTS_URL}/api/v1/hooks/telegram/`,
        headers: {
          'x-request-timestamp': timestamp,
          'x-request-signature': createHmac('sha256', key).update(`${timestamp}\n${body}`).digest('hex'),
        },
        body,
      };
    };
    for (const body of bodies) {
      for (const callback of [signedWhatsApp(body), signedTelegram(body)]) {
        const answer = await post(stack, callback);
        // Read and ignored (200), or refused by the parser or the body limit with an error of the closed list.
        expect({ body: body.slice(0, 40), status: answer.status }).toEqual({
          body: body.slice(0, 40),
          status: [400, 413].includes(answer.status) ? answer.status : 200,
        });
        if (answer.status !== 200) expect(answer.body).toMatchObject({ error: expect.any(String) });
      }
    }
    await quietly(300);
    expect(await attemptsOf(stack, id)).toEqual(attempts);
    expect(on(twilio.received, phone)).toHaveLength(0);
  });

  it('answers Meta’s subscription check with the challenge only for the verify token', async () => {
    const query = { 'hub.mode': 'subscribe', 'hub.challenge': '1158201444', 'hub.verify_token': VERIFY_TOKEN };
    const answer = await stack.http().get('/api/v1/hooks/whatsapp/').query(query).expect(200);
    expect(answer.text).toBe('1158201444');
    await stack
      .http()
      .get('/api/v1/hooks/whatsapp/')
      .query({ ...query, 'hub.verify_token': 'guess' })
      .expect(403);
  });
});
