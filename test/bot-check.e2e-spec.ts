import { ApiMetrics } from '../apps/api/src/metrics/api-metrics.js';
import { BOT_CHECK, type SiteVerify, startSiteVerify } from './support/bot-check-providers.js';
import { counts } from './support/metrics.js';
import { nextPhone, startStack, type Stack } from './support/stack.js';
import { requestFrom } from './support/sources.js';

/**
 * SPEC section 15's bot check from outside: the real API, clients on distinct
 * loopback addresses (the API sees each socket's own), and a local server that
 * speaks each provider's documented siteverify. Every refusal is checked to
 * have sent nothing and spent no limit; every rule is checked to let a person
 * who passes the check through.
 */

type BotCheckProvider = 'turnstile' | 'hcaptcha' | 'recaptcha';

async function botCheckStack(
  provider: BotCheckProvider,
  env: Record<string, string>,
): Promise<{ stack: Stack; verify: SiteVerify; base: string }> {
  const verify = await startSiteVerify(provider);
  const stack = await startStack({
    worker: false,
    env: {
      BOT_CHECK_PROVIDER: provider,
      BOT_CHECK_SITE_KEY: BOT_CHECK.siteKey,
      BOT_CHECK_SECRET: BOT_CHECK.secret,
      BOT_CHECK_VERIFY_URL: verify.url,
      BOT_CHECK_TIMEOUT_MS: '500',
      ...env,
    },
  });
  const { port } = stack.api.getHttpServer().address() as { port: number };
  return { stack, verify, base: `http://127.0.0.1:${port}` };
}

const codesFor = async (stack: Stack, phone: string) =>
  Number(
    (
      await stack.db.query<Array<{ n: string }>>('SELECT count(*) AS n FROM code_requests WHERE phone_number = $1', [
        phone,
      ])
    )[0].n,
  );

const botChecks = (stack: Stack) => counts(stack.api.get(ApiMetrics), 'bot_checks_total');

let sources = 0;
/** A client address of its own: 127.0.7.x, then on. */
const nextSource = () => {
  sources += 1;
  return `127.0.${7 + Math.floor(sources / 250)}.${(sources % 250) + 1}`;
};

describe('the bot check, always (Turnstile), refusing when the provider is down', () => {
  let stack: Stack;
  let verify: SiteVerify;
  let base: string;

  beforeAll(async () => {
    ({ stack, verify, base } = await botCheckStack('turnstile', {
      BOT_CHECK_WHEN: 'always',
      BOT_CHECK_ON_UNAVAILABLE: 'refuse',
      SIGNUP_IP_RATE_LIMIT: '3/60',
    }));
  });
  afterAll(async () => {
    await stack.close();
    await verify.close();
  });
  afterEach(() => verify.mode('normal'));

  const signup = (body: object, source: string) =>
    requestFrom(base, '/api/v1/auth/signup/', { body: { phone_number: nextPhone(), ...body }, source });

  it('refuses a sign-up without a token with 403 BOT_CHECK_FAILED, sends nothing, and spends no per-address limit', async () => {
    const source = nextSource();
    const phone = nextPhone();
    const before = await botChecks(stack);
    // Five times the per-address limit of 3: each is the bot check's refusal, never RATE_LIMITED.
    for (let attempt = 0; attempt < 5; attempt++) {
      const answer = await requestFrom(base, '/api/v1/auth/signup/', { body: { phone_number: phone }, source });
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({
        error: 'BOT_CHECK_FAILED',
        details: [{ field: 'bot_check_token', message: expect.stringContaining('turnstile') }],
      });
    }
    expect(await codesFor(stack, phone)).toBe(0);
    expect(verify.calls).toHaveLength(0);
    expect(await botChecks(stack)).toMatchObject({ 'turnstile missing': 5 + (before['turnstile missing'] ?? 0) });
    // The same address, with a solved widget: the person goes on, the limit untouched so far.
    const passed = await requestFrom(base, '/api/v1/auth/signup/', {
      body: { phone_number: phone, bot_check_token: verify.issue() },
      source,
    });
    expect(passed.status).toBe(202);
    expect(await codesFor(stack, phone)).toBe(1);
  });

  it('checks the token with siteverify (secret, response, the client address) and sends the code', async () => {
    const source = nextSource();
    const token = verify.issue({ hostname: 'app.example.com' });
    const answer = await signup({ bot_check_token: token }, source);
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ channel: 'sms' });
    const call = verify.calls.at(-1)!;
    expect(call.fields).toMatchObject({ secret: BOT_CHECK.secret, response: token, remoteip: source });
  });

  it('refuses a token used twice, an unknown one and one too long, with 403 and nothing sent', async () => {
    const source = nextSource();
    const token = verify.issue();
    expect((await signup({ bot_check_token: token }, source)).status).toBe(202);
    const again = await signup({ bot_check_token: token }, source);
    expect(again.status).toBe(403);
    expect(again.body).toMatchObject({
      error: 'BOT_CHECK_FAILED',
      details: [{ field: 'bot_check_token', message: expect.stringContaining('timeout-or-duplicate') }],
    });
    const phone = nextPhone();
    const unknown = await requestFrom(base, '/api/v1/auth/signup/', {
      body: { phone_number: phone, bot_check_token: 'made-up-token' },
      source,
    });
    expect(unknown.status).toBe(403);
    expect(unknown.body).toMatchObject({ error: 'BOT_CHECK_FAILED' });
    // The guard runs before validation: refused without asking the provider (Turnstile's tokens are at most 2,048).
    const calls = verify.calls.length;
    const long = await requestFrom(base, '/api/v1/auth/signup/', {
      body: { phone_number: phone, bot_check_token: 'x'.repeat(2049) },
      source,
    });
    expect([long.status, long.body.error]).toEqual([403, 'BOT_CHECK_FAILED']);
    expect(verify.calls).toHaveLength(calls);
    expect(await codesFor(stack, phone)).toBe(0);
  });

  it.each([
    ['down', 'answers 503'],
    ['slow', 'never answers'],
    ['error', 'answers internal-error'],
  ] as const)(
    'answers 503 SERVICE_UNAVAILABLE when the provider is %s (%s), and sends nothing',
    async (mode: 'down' | 'slow' | 'error', _what: string) => {
      verify.mode(mode);
      const phone = nextPhone();
      const started = Date.now();
      const answer = await requestFrom(base, '/api/v1/auth/signup/', {
        body: { phone_number: phone, bot_check_token: verify.issue() },
        source: nextSource(),
      });
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ error: 'SERVICE_UNAVAILABLE' });
      // BOT_CHECK_TIMEOUT_MS is 500: the sign-up is not held much longer.
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(await codesFor(stack, phone)).toBe(0);
      expect((await botChecks(stack))['turnstile unavailable_refused']).toBeGreaterThan(0);
    },
  );

  it('puts the widget on the page, with its provider allowed by the page’s Content-Security-Policy only', async () => {
    const page = await stack.http().get('/').expect(200);
    expect(page.text).toContain(`data-bot-check="turnstile:${BOT_CHECK.siteKey}:always"`);
    expect(page.headers['content-security-policy']).toContain('https://challenges.cloudflare.com');
    expect(page.headers['content-security-policy']).toMatch(/frame-src https:\/\/challenges\.cloudflare\.com/);
    const api = await stack.http().get('/api/v1/users/me/').expect(401);
    expect(api.headers['content-security-policy']).not.toContain('cloudflare');
  });
});

describe('the bot check, always (hCaptcha), letting sign-ups through when the provider is down', () => {
  let stack: Stack;
  let verify: SiteVerify;
  let base: string;

  beforeAll(async () => {
    ({ stack, verify, base } = await botCheckStack('hcaptcha', {
      BOT_CHECK_WHEN: 'always',
      BOT_CHECK_ON_UNAVAILABLE: 'allow',
    }));
  });
  afterAll(async () => {
    await stack.close();
    await verify.close();
  });

  it('passes a solved widget (sitekey sent too) and refuses a bad token', async () => {
    const token = verify.issue();
    const passed = await requestFrom(base, '/api/v1/auth/signup/', {
      body: { phone_number: nextPhone(), bot_check_token: token },
      source: nextSource(),
    });
    expect(passed.status).toBe(202);
    expect(verify.calls.at(-1)!.fields).toMatchObject({
      secret: BOT_CHECK.secret,
      response: token,
      sitekey: BOT_CHECK.siteKey,
    });
    const failed = await requestFrom(base, '/api/v1/auth/signup/', {
      body: { phone_number: nextPhone(), bot_check_token: 'P1_bad' },
      source: nextSource(),
    });
    expect(failed.status).toBe(403);
  });

  it('lets the sign-up through to the other limits when the provider is down, and counts it', async () => {
    verify.mode('down');
    const phone = nextPhone();
    const answer = await requestFrom(base, '/api/v1/auth/signup/', {
      body: { phone_number: phone, bot_check_token: verify.issue() },
      source: nextSource(),
    });
    verify.mode('normal');
    expect(answer.status).toBe(202);
    expect(await codesFor(stack, phone)).toBe(1);
    expect((await botChecks(stack))['hcaptcha unavailable_allowed']).toBe(1);
    // A missing token is still refused: only the provider's silence lets one through.
    const missing = await requestFrom(base, '/api/v1/auth/signup/', {
      body: { phone_number: nextPhone() },
      source: nextSource(),
    });
    expect(missing.status).toBe(403);
  });
});

describe('the bot check after an address’s threshold (reCAPTCHA v3, scores)', () => {
  let stack: Stack;
  let verify: SiteVerify;
  let base: string;

  beforeAll(async () => {
    ({ stack, verify, base } = await botCheckStack('recaptcha', {
      BOT_CHECK_WHEN: 'address',
      BOT_CHECK_ADDRESS_THRESHOLD: '2',
      BOT_CHECK_MIN_SCORE: '0.5',
    }));
  });
  afterAll(async () => {
    await stack.close();
    await verify.close();
  });

  it('asks an address for a check after its second sign-up, while other addresses go on without one', async () => {
    const busy = nextSource();
    const signup = (source: string, token?: string) =>
      requestFrom(base, '/api/v1/auth/signup/', {
        body: { phone_number: nextPhone(), ...(token ? { bot_check_token: token } : {}) },
        source,
      });
    expect((await signup(busy)).status).toBe(202);
    expect((await signup(busy)).status).toBe(202);
    const third = await signup(busy);
    expect(third.status).toBe(403);
    expect(third.body).toMatchObject({ error: 'BOT_CHECK_FAILED' });
    // People elsewhere are not asked.
    for (let person = 0; person < 5; person++) expect((await signup(nextSource())).status).toBe(202);
    expect(verify.calls).toHaveLength(0);
    // The busy address with a good score goes on; with a low score it does not.
    expect((await signup(busy, verify.issue({ score: 0.9, action: 'signup' }))).status).toBe(202);
    const low = await signup(busy, verify.issue({ score: 0.1, action: 'signup' }));
    expect(low.status).toBe(403);
    expect(low.body).toMatchObject({ details: [{ message: expect.stringMatching(/score/) }] });
  });

  it('renders the widget only once the API asks for it', async () => {
    const page = await stack.http().get('/').expect(200);
    expect(page.text).toContain(`data-bot-check="recaptcha:${BOT_CHECK.siteKey}:asked"`);
    expect(page.headers['content-security-policy']).toContain('https://www.google.com/recaptcha/');
  });
});

describe('the bot check after a country’s threshold, and while the conversion check flags a range (Turnstile)', () => {
  let stack: Stack;
  let verify: SiteVerify;
  let base: string;

  beforeAll(async () => {
    ({ stack, verify, base } = await botCheckStack('turnstile', {
      BOT_CHECK_WHEN: 'country,pumping',
      BOT_CHECK_COUNTRY_THRESHOLD: '3',
      SMS_CONVERSION_MODE: 'enforce',
      SMS_CONVERSION_MIN_CODES: '4',
      SMS_CONVERSION_SETTLE_SECONDS: '0',
      SMS_CONVERSION_RANGE_DIGITS: '4',
      DEFAULT_PHONE_REGION: 'GB',
    }));
  });
  afterAll(async () => {
    await stack.close();
    await verify.close();
  });

  const signup = (phone: string, token?: string) =>
    requestFrom(base, '/api/v1/auth/signup/', {
      body: { phone_number: phone, ...(token ? { bot_check_token: token } : {}) },
      source: nextSource(),
    });

  it('asks a country’s sign-ups for a check past its threshold, not another country’s', async () => {
    // German mobiles: a country of their own here.
    const german = (n: number) => `+49151${String(4_000_000 + n).padStart(8, '0')}`;
    for (let n = 1; n <= 3; n++) expect((await signup(german(n))).status).toBe(202);
    expect((await signup(german(4))).status).toBe(403);
    expect((await signup(german(5), verify.issue())).status).toBe(202);
    // French numbers are not asked.
    expect((await signup('+33612345678')).status).toBe(202);
  });

  it('asks a flagged range for a check instead of refusing it, and lets a person who passes through', async () => {
    // UK numbers: their own country; a range of 10,000 with four codes sent and none verified.
    const range = (n: number) => `+44791120${String(n).padStart(4, '0')}`;
    const other = (n: number) => `+44791121${String(n).padStart(4, '0')}`;
    // The country threshold counts these too: with the check they go through whatever it says.
    for (let n = 1; n <= 4; n++) expect((await signup(range(n), verify.issue())).status).toBe(202);
    // The range's reading is kept 5 s (PumpingService): the next one sees the four codes.
    await new Promise((resolve) => setTimeout(resolve, 5_200));
    const refused = await signup(range(5));
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: 'BOT_CHECK_FAILED' });
    expect(await codesFor(stack, range(5))).toBe(0);
    // A person on that range who passes the check gets the code, not 429.
    expect((await signup(range(6), verify.issue())).status).toBe(202);
    expect(await codesFor(stack, range(6))).toBe(1);
    expect(await counts(stack.api.get(ApiMetrics), 'sms_conversion_trips_total')).toMatchObject({
      'GB bot_checked': 1,
    });
    // Another range converts: it is not flagged (its numbers are asked by the country threshold only).
    expect((await signup(other(1), verify.issue())).status).toBe(202);
  });
});
