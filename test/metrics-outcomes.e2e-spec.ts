import type { Response } from 'supertest';
import { ApiMetrics, OTP_REQUEST_OUTCOMES } from '../apps/api/src/metrics/api-metrics.js';
import { WorkerMetrics } from '../apps/worker/src/metrics/worker-metrics.js';
import { createUser } from './support/factory.js';
import { counts, grown } from './support/metrics.js';
import { nextPhone } from './support/phones.js';
import { as, signIn, skipCooldown, startStack, type Stack } from './support/stack.js';
import { until } from './support/wait.js';

let ip = 0;
/** Each request from an address of its own, unless a test is about one address. */
const fresh = () => `198.51.${Math.floor(++ip / 250)}.${(ip % 250) + 1}`;

/**
 * Every outcome of SPEC section 9's counters, counted once where it is
 * decided: each test tallies what the API answered and checks that the counter
 * grew by exactly that tally, no more (a second place counting) and no less.
 */
describe('the outcome counters', () => {
  let stack: Stack;
  let pumping: Stack;
  let api: ApiMetrics;

  beforeAll(async () => {
    stack = await startStack({
      env: {
        TRUST_PROXY: 'true',
        SIGNUP_IP_RATE_LIMIT: '3/60',
      },
    });
    // The country list and a block budget of 2, in a stack of their own: the block budget would stop the per-phone rules.
    pumping = await startStack({
      env: { TRUST_PROXY: 'true', PHONE_COUNTRIES_DENIED: 'KZ', SMS_BLOCK_LIMIT_PER_HOUR: '2' },
      worker: false,
    });
    api = stack.api.get(ApiMetrics);
  });
  afterAll(async () => {
    await pumping?.close();
    await stack?.close();
  });

  const signup = (phone: string, from = fresh(), on = stack, username?: string) =>
    on
      .http()
      .post('/api/v1/auth/signup/')
      .set('X-Forwarded-For', from)
      .send(username === undefined ? { phone_number: phone } : { phone_number: phone, username });
  const verify = (phone: string, code: string) =>
    stack.http().post('/api/v1/auth/code/').set('X-Forwarded-For', fresh()).send({ phone_number: phone, code });

  /** The outcome an answer to a code request stands for. */
  const requestOutcome = (response: Response): string => {
    const { error, message } = response.body as { error?: string; message?: string };
    if (response.status === 202) return 'sent';
    if (error === 'RATE_LIMITED') {
      if (message?.includes('network')) return 'ip_limited';
      return message?.includes('per hour') ? 'hourly_cap' : 'cooldown';
    }
    return (
      {
        TOO_MANY_ATTEMPTS: 'locked',
        PHONE_COUNTRY_NOT_ALLOWED: 'country_blocked',
        SMS_BUDGET_EXCEEDED: 'budget_exceeded',
        USERNAME_TAKEN: 'username_taken',
      }[error ?? ''] ?? `unexpected ${response.status} ${error}`
    );
  };
  const tally = (outcomes: string[]) =>
    outcomes.reduce<Record<string, number>>((all, outcome) => ({ ...all, [outcome]: (all[outcome] ?? 0) + 1 }), {});

  it('counts every outcome of a code request once', async () => {
    const before = await counts(api, 'otp_requests_total');
    const pumpingMetrics = pumping.api.get(ApiMetrics);
    const pumpingBefore = await counts(pumpingMetrics, 'otp_requests_total');
    const answers: Response[] = [];
    // sent, then cooldown
    const phone = nextPhone();
    answers.push(await signup(phone), await signup(phone));
    // the hourly cap: five codes, then a sixth
    const busy = nextPhone();
    for (let i = 0; i < 6; i++) {
      answers.push(await signup(busy));
      await skipCooldown(stack, busy);
    }
    // a locked phone: ten wrong codes over two live ones
    const locked = nextPhone();
    for (let round = 0; round < 2; round++) {
      answers.push(await signup(locked));
      for (let i = 0; i < 5; i++) await verify(locked, '0000');
      await skipCooldown(stack, locked);
    }
    answers.push(await signup(locked));
    // a taken username, once the phone's gates let the request through
    const owner = await createUser(stack);
    answers.push(await signup(nextPhone(), fresh(), stack, owner.username));
    // one address past its limit of 3 a minute
    for (let i = 0; i < 4; i++) answers.push(await signup(nextPhone(), '203.0.113.7'));
    // a refused country, and a block of 1,000 numbers past its budget of 2
    const refused = [await signup('+77011234567', fresh(), pumping)];
    for (let i = 0; i < 3; i++) refused.push(await signup(`+7999877000${i}`, fresh(), pumping));

    const outcomes = answers.map(requestOutcome);
    const pumpingOutcomes = refused.map(requestOutcome);
    // Every outcome the code knows, each set off here.
    expect(new Set([...outcomes, ...pumpingOutcomes])).toEqual(new Set(OTP_REQUEST_OUTCOMES));
    expect(grown(before, await counts(api, 'otp_requests_total'))).toEqual(tally(outcomes));
    expect(grown(pumpingBefore, await counts(pumpingMetrics, 'otp_requests_total'))).toEqual(tally(pumpingOutcomes));
  });

  it('counts sign-ins as success, invalid or locked', async () => {
    const before = await counts(api, 'otp_verifications_total');
    await signIn(stack);
    const phone = nextPhone();
    const answers: string[] = ['success'];
    // Two live codes, five wrong each: the tenth locks; the eleventh meets the lock.
    for (let round = 0; round < 2; round++) {
      await skipCooldown(stack, phone);
      await signup(phone);
      for (let i = 0; i < (round === 0 ? 5 : 6); i++) {
        const response = await verify(phone, '0000');
        answers.push(response.status === 429 ? 'locked' : 'invalid');
      }
    }
    expect(answers).toContain('locked');
    expect(grown(before, await counts(api, 'otp_verifications_total'))).toEqual(tally(answers));
  });

  it('counts each activation outcome, in the profile and through an invite link', async () => {
    const before = await counts(api, 'referral_activations_total');
    const [a, b, c] = await Promise.all([createUser(stack), createUser(stack), createUser(stack)]);
    const activate = (user: typeof a, code: string) =>
      as(stack, user).patch('/api/v1/users/me/', { used_referral_code: code });
    const error = async (answer: Promise<Response>) => ((await answer).body as { error?: string }).error ?? 'none';
    expect(await error(activate(b, a.referralCode))).toBe('none'); // activated
    expect(await error(activate(b, a.referralCode))).toBe('none'); // the same again: already
    expect(await error(activate(b, c.referralCode))).toBe('REFERRAL_ALREADY_ACTIVATED');
    expect(await error(activate(a, b.referralCode))).toBe('REFERRAL_CYCLE');
    expect(await error(activate(c, c.referralCode))).toBe('REFERRAL_SELF');
    expect(await error(activate(c, 'ZZZZ99'))).toBe('REFERRAL_CODE_NOT_FOUND');
    // An invite link at a new user's sign-in, with a code that is not one.
    const linked = nextPhone();
    await signup(linked);
    const code = await until('the linked phone has a code', async () => {
      const { body } = await stack.http().get('/api/v1/dev/sms/').query({ phone_number: linked });
      return (body as { items: Array<{ text: string }> }).items[0]?.text.match(/\b(\d{4})\b/)?.[1];
    });
    const answer = await stack
      .http()
      .post('/api/v1/auth/code/')
      .set('X-Forwarded-For', fresh())
      .send({ phone_number: linked, code, referral_code: 'not-a-code' });
    expect(answer.body).toMatchObject({ referral: { activated: false, error: 'REFERRAL_CODE_NOT_FOUND' } });
    expect(grown(before, await counts(api, 'referral_activations_total'))).toEqual({
      activated: 1,
      already: 2,
      cycle: 1,
      self: 1,
      not_found: 2,
    });
  });

  it('counts deliveries by transport: delivered, and dropped when the code was replaced before the worker came', async () => {
    await stack.stopWorker();
    const phone = nextPhone();
    await signup(phone);
    await skipCooldown(stack, phone);
    await signup(phone);
    // A worker of its own, so its counters start at 0.
    const worker = (await stack.startWorker()).get(WorkerMetrics);
    const deliveries = () => counts(worker, 'sms_deliveries_total');
    await until('both jobs done', async () => {
      const now = await deliveries();
      return now['none dropped'] + now['simulated delivered'] === 2 ? true : undefined;
    });
    expect(grown({}, await deliveries())).toEqual({ 'none dropped': 1, 'simulated delivered': 1 });
    const timed = (await worker.smsDeliverySeconds.get()).values.filter((value) =>
      value.metricName?.startsWith('sms_delivery_seconds_'),
    );
    expect(timed.find((value) => value.metricName === 'sms_delivery_seconds_count')?.value).toBe(1);
    expect(timed.find((value) => value.metricName === 'sms_delivery_seconds_sum')?.value).toBeGreaterThan(0);
  });
});
