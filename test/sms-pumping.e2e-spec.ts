import type { Response } from 'supertest';
import { PRODUCTION_BUDGETS } from '../libs/platform/src/index.js';
import { createUser } from './support/factory.js';
import { postJson, startDeployment } from './support/processes.js';
import { startStack, type Stack } from './support/stack.js';
import { TEST_REDIS_URL } from './support/test-env.js';

/**
 * The defences against SMS pumping (SPEC section 7): country lists, and the
 * rolling-hour budgets of the deployment, a country and a block of 1,000
 * numbers, shared by every API process. Each block of numbers here is used by
 * one test only.
 */

/** The numbers of one block of 1,000: +7 999 6BB B + the last three digits. */
const inBlock = (block: number, last: number) =>
  `+799960${String(block).padStart(2, '0')}${String(last).padStart(3, '0')}`;

const signup = (stack: Stack, phone: string) => stack.http().post('/api/v1/auth/signup/').send({ phone_number: phone });

/** What an answer says, without what differs between any two requests. */
const gist = (response: Response) => ({
  status: response.status,
  body: { ...(response.body as object), request_id: undefined },
  retryAfter: response.headers['retry-after'] === undefined ? 'none' : 'set',
});

async function codeRequestsFor(stack: Stack, phone: string): Promise<number> {
  const [{ count }] = await stack.db.query<Array<{ count: number }>>(
    'SELECT count(*)::int AS count FROM code_requests WHERE phone_number = $1',
    [phone],
  );
  return count;
}

describe('country lists and the block budget, in one API', () => {
  let stack: Stack;
  const testNumber = inBlock(1, 999);

  beforeAll(async () => {
    stack = await startStack({
      env: {
        PHONE_COUNTRIES_DENIED: 'KZ,GG',
        SMS_BLOCK_LIMIT_PER_HOUR: '2',
        OTP_TEST_NUMBERS: `${testNumber}:4242,+77010009999:4343`,
      },
      worker: false,
    });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('refuses a denied country with 422 PHONE_COUNTRY_NOT_ALLOWED, the same for known and unknown numbers', async () => {
    const known = await createUser(stack, '+77011234567');
    const unknown = '+77011234568';
    const answers = [await signup(stack, known.phone), await signup(stack, unknown)];
    expect(answers.map(gist)).toEqual([
      { status: 422, body: expect.objectContaining({ error: 'PHONE_COUNTRY_NOT_ALLOWED' }), retryAfter: 'none' },
      gist(answers[0]),
    ]);
    expect(await codeRequestsFor(stack, known.phone)).toBe(0);
    expect(await codeRequestsFor(stack, unknown)).toBe(0);
    expect((await signup(stack, '+447911123456')).status).toBe(422);
    expect((await signup(stack, inBlock(0, 1))).status).toBe(202);
  });

  it('trips the block budget with 429 SMS_BUDGET_EXCEEDED and Retry-After, the same for known and unknown numbers', async () => {
    for (const last of [1, 2]) await signup(stack, inBlock(2, last)).expect(202);
    const known = await createUser(stack, inBlock(2, 3));
    const answers = [await signup(stack, known.phone), await signup(stack, inBlock(2, 4))];
    expect(answers.map(gist)).toEqual([
      { status: 429, body: expect.objectContaining({ error: 'SMS_BUDGET_EXCEEDED' }), retryAfter: 'set' },
      gist(answers[0]),
    ]);
    const retryAfter = Number(answers[0].headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(await codeRequestsFor(stack, known.phone)).toBe(0);
    // The next block has its own budget.
    await signup(stack, inBlock(3, 1)).expect(202);
  });

  it('gives the budget back when the per-phone cooldown refuses the code', async () => {
    const phone = inBlock(4, 1);
    await signup(stack, phone).expect(202);
    for (let i = 0; i < 3; i++) {
      const refused = await signup(stack, phone).expect(429);
      expect(refused.body).toMatchObject({ error: 'RATE_LIMITED' });
    }
    await signup(stack, inBlock(4, 2)).expect(202);
    expect((await signup(stack, inBlock(4, 3)).expect(429)).body).toMatchObject({ error: 'SMS_BUDGET_EXCEEDED' });
  });

  it('leaves fixed-code test numbers out of the budgets and the country lists', async () => {
    for (let i = 0; i < 4; i++) await signup(stack, testNumber).expect(202);
    await signup(stack, '+77010009999').expect(202);
    // The test number's codes took nothing from its block.
    await signup(stack, inBlock(1, 1)).expect(202);
    await signup(stack, inBlock(1, 2)).expect(202);
    await signup(stack, inBlock(1, 3)).expect(429);
  });
});

describe('the deployment and country budgets, and an allow list', () => {
  it('refuses what is not allowed, then what is over the country budget, then what is over the deployment budget', async () => {
    const stack = await startStack({
      env: {
        PHONE_COUNTRIES_ALLOWED: 'RU,KZ',
        SMS_BUDGET_PER_COUNTRY_PER_HOUR: '2',
        SMS_BUDGET_PER_HOUR: '3',
      },
      worker: false,
    });
    try {
      const error = async (phone: string) => {
        const response = await signup(stack, phone);
        return response.status === 202 ? 'sent' : (response.body as { error: string }).error;
      };
      expect(await error('+12015550123')).toBe('PHONE_COUNTRY_NOT_ALLOWED');
      expect(await error(inBlock(10, 1))).toBe('sent');
      expect(await error(inBlock(11, 1))).toBe('sent');
      // RU has had its 2; KZ has room, and the deployment has one left.
      expect(await error(inBlock(12, 1))).toBe('SMS_BUDGET_EXCEEDED');
      expect(await error('+77011230001')).toBe('sent');
      expect(await error('+77021230001')).toBe('SMS_BUDGET_EXCEEDED');
    } finally {
      await stack.close();
    }
  });
});

const STORES: Array<[store: string, redisUrl: string]> = [['PostgreSQL', '']];
if (TEST_REDIS_URL) STORES.push(['Redis', TEST_REDIS_URL]);

describe.each(STORES)('a block walk over two API processes, budgets on %s', (store: string, redisUrl: string) => {
  it('lets 30 of 1,000 numbers of one block through with the production defaults, while other blocks get codes', async () => {
    const deployment = await startDeployment({
      apis: 2,
      workers: 0,
      env: {
        REDIS_URL: redisUrl,
        // The production defaults, and the production per-IP limit: the walk comes from a botnet.
        SMS_BUDGET_PER_HOUR: String(PRODUCTION_BUDGETS.perHour),
        SMS_BUDGET_PER_COUNTRY_PER_HOUR: String(PRODUCTION_BUDGETS.perCountryPerHour),
        SMS_BLOCK_LIMIT_PER_HOUR: String(PRODUCTION_BUDGETS.perBlockPerHour),
        SIGNUP_IP_RATE_LIMIT: '20/60',
        TRUST_PROXY: 'true',
      },
    });
    try {
      const block = redisUrl ? 21 : 20;
      const walk = Array.from({ length: 1000 }, (_, last) => inBlock(block, last));
      const outcomes = new Map<string, number>();
      const others: number[] = [];
      let next = 0;
      const send = async (phone: string, i: number) => {
        const api = deployment.apis[i % 2].base;
        const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
        return postJson(`${api}/api/v1/auth/signup/`, { phone_number: phone }, { 'x-forwarded-for': ip });
      };
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          while (next < walk.length) {
            const i = next++;
            const answer = await send(walk[i], i);
            const outcome = answer.status === 202 ? 'sent' : `${answer.status} ${String(answer.body.error)}`;
            outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
            // Every 50th request, a number of another block, each in a block of its own.
            if (i % 50 === 0) others.push((await send(inBlock((redisUrl ? 70 : 40) + i / 50, 0), i + 5000)).status);
          }
        }),
      );
      console.log(`block walk of 1,000 numbers on ${store}: ${JSON.stringify(Object.fromEntries(outcomes))}`);
      expect(Object.fromEntries(outcomes)).toEqual({ sent: 30, '429 SMS_BUDGET_EXCEEDED': 970 });
      expect(others).toEqual(Array(20).fill(202));
      const trips = deployment.apis
        .map((api) => api.process.output())
        .join('\n')
        .split('\n')
        .filter((line) => line.includes('SMS budget tripped'));
      expect(trips).toHaveLength(1);
      expect(JSON.parse(trips[0])).toMatchObject({ level: 40, budget: `block:${inBlock(block, 0).slice(1, -3)}` });
    } finally {
      await deployment.stop();
    }
  });
});
