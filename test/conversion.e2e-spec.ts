import { ApiMetrics } from '../apps/api/src/metrics/api-metrics.js';
import { counts, grown } from './support/metrics.js';
import { inbox, nextPhone, startStack, type Stack } from './support/stack.js';
import { until } from './support/wait.js';

/**
 * SPEC section 14, pumping seen by conversion, played as an attack: many codes
 * to the numbers of one range, none verified, beside people elsewhere who sign
 * in as people do. Settings made small to play it in seconds: a range is a
 * number without its last 4 digits, 10 numbers make enough volume, half of
 * them must verify, and a code counts at once (no settle time).
 */
const CONVERSION = {
  SMS_CONVERSION_MIN_CODES: '10',
  SMS_CONVERSION_MIN_RATIO: '0.5',
  SMS_CONVERSION_SETTLE_SECONDS: '0',
  SMS_CONVERSION_RANGE_DIGITS: '4',
};

/**
 * The attacked ranges, one per describe (both share this file's database: the enforced one ends
 * converted), distinct from nextPhone's +79991….
 */
let attackCount = 0;
let range = '+7999555';
const attacked = () => `${range}${String((attackCount += 1)).padStart(4, '0')}`;

async function signUp(stack: Stack, phone: string): Promise<number> {
  return (await stack.http().post('/api/v1/auth/signup/').send({ phone_number: phone })).status;
}

async function signInAsAPerson(stack: Stack): Promise<number> {
  const phone = nextPhone();
  const status = await signUp(stack, phone);
  if (status !== 202) return status;
  const message = await until('the code', async () => (await inbox(stack, phone))[0]);
  const code = /\b(\d{4})\b/.exec(message.text)![1];
  return (await stack.http().post('/api/v1/auth/code/').send({ phone_number: phone, code })).status;
}

/**
 * Plays the attack for `seconds`: a code to a new number of the range every
 * 100 ms, and a person signing in elsewhere every 500 ms. Answers each side's
 * statuses.
 */
async function attack(stack: Stack, seconds: number, attackedRange: string) {
  range = attackedRange;
  const attacker: number[] = [];
  const people: number[] = [];
  const end = Date.now() + seconds * 1000;
  await Promise.all([
    (async () => {
      while (Date.now() < end) {
        attacker.push(await signUp(stack, attacked()));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })(),
    (async () => {
      while (Date.now() < end) {
        people.push(await signInAsAPerson(stack));
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    })(),
  ]);
  const tally = (statuses: number[]) =>
    statuses.reduce<Record<number, number>>((all, status) => ({ ...all, [status]: (all[status] ?? 0) + 1 }), {});
  return { attacker: tally(attacker), people: tally(people) };
}

describe('pumping seen by conversion, enforced', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { SMS_CONVERSION_MODE: 'enforce', ...CONVERSION } });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('stops the attacked range with 429 SMS_BUDGET_EXCEEDED and no one elsewhere, until it converts again', async () => {
    const before = await counts(stack.api.get(ApiMetrics), 'sms_conversion_trips_total');
    const played = await attack(stack, 12, '+7999555');
    console.log(
      `conversion, enforce: attacked range ${JSON.stringify(played.attacker)}, people elsewhere ${JSON.stringify(played.people)}`,
    );
    expect(played.attacker[429]).toBeGreaterThan(0);
    // The range's reading is at most 5 s old: what passed is what came before it tripped.
    expect(played.attacker[202]).toBeLessThan(70);
    // Every person got through, and there were people.
    expect(played.people).toEqual({ 200: played.people[200] });
    expect(played.people[200]).toBeGreaterThan(5);
    const refusal = await stack.http().post('/api/v1/auth/signup/').send({ phone_number: attacked() }).expect(429);
    expect(refusal.body).toMatchObject({ error: 'SMS_BUDGET_EXCEEDED' });
    expect(Number(refusal.headers['retry-after'])).toBeGreaterThan(0);
    expect(grown(before, await counts(stack.api.get(ApiMetrics), 'sms_conversion_trips_total'))).toEqual({
      'RU enforce': played.attacker[429] + 1,
    });

    // The range's numbers turn out to be people after all: they sign in with their codes, and it opens again.
    const pending = await stack.db.query<Array<{ phone_number: string }>>(
      `SELECT DISTINCT phone_number FROM code_requests WHERE phone_number LIKE '+7999555%' AND status = 'pending'`,
    );
    expect(pending.length).toBeGreaterThan(0);
    for (const { phone_number: phone } of pending) {
      const [message] = await inbox(stack, phone);
      const code = /\b(\d{4})\b/.exec(message.text)![1];
      await stack.http().post('/api/v1/auth/code/').send({ phone_number: phone, code }).expect(200);
    }
    await until(
      'the range converts again',
      async () => ((await signUp(stack, attacked())) === 202 ? true : undefined),
      10_000,
    );
  });
});

describe('pumping seen by conversion, in shadow mode', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { SMS_CONVERSION_MODE: 'shadow', ...CONVERSION } });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('stops nothing, and counts what it would have stopped', async () => {
    const before = await counts(stack.api.get(ApiMetrics), 'sms_conversion_trips_total');
    const played = await attack(stack, 12, '+7999666');
    console.log(
      `conversion, shadow: attacked range ${JSON.stringify(played.attacker)}, people elsewhere ${JSON.stringify(played.people)}`,
    );
    expect(played.attacker).toEqual({ 202: played.attacker[202] });
    expect(played.attacker[202]).toBeGreaterThan(50);
    // Every person got through, and there were people.
    expect(played.people).toEqual({ 200: played.people[200] });
    expect(played.people[200]).toBeGreaterThan(5);
    expect(
      grown(before, await counts(stack.api.get(ApiMetrics), 'sms_conversion_trips_total'))['RU shadow'],
    ).toBeGreaterThan(0);
  });
});
