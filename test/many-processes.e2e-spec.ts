import { nextPhone } from './support/phones.js';
import type pg from 'pg';
import { deliveriesFor, duplicateDeliveries, testDatabase, waitForDeliveries } from './support/db.js';
import { postJson, signInThrough, startDeployment, type Deployment } from './support/processes.js';

/**
 * Two API and two worker processes (the built apps) on one PostgreSQL, with the
 * queue on Redis (make test-external) or on PostgreSQL (make test): the limits,
 * the deliveries and the activations hold across processes.
 */
describe('two APIs and two workers', () => {
  let deployment: Deployment;
  let db: pg.Client;
  let api1: string;
  let api2: string;

  beforeAll(async () => {
    deployment = await startDeployment({
      apis: 2,
      workers: 2,
      env: { SMS_DELAY_MS: '100-300', SIGNUP_IP_RATE_LIMIT: '1000/60' },
    });
    [api1, api2] = deployment.apis.map((api) => api.base);
    db = await testDatabase();
  });
  afterAll(async () => {
    await db?.end();
    await deployment?.stop();
  });

  it('refuses a second code within 60 s asked through the other API', async () => {
    const number = nextPhone();
    expect((await postJson(`${api1}/api/v1/auth/signup/`, { phone_number: number })).status).toBe(202);
    const second = await postJson(`${api2}/api/v1/auth/signup/`, { phone_number: number });
    expect(second.status).toBe(429);
    expect(second.body.error).toBe('RATE_LIMITED');
  });

  it('delivers every code of a burst spread over both APIs exactly once', async () => {
    const burst = Array.from({ length: 100 }, () => nextPhone());
    const answers = await Promise.all(
      burst.map((number, i) => postJson(`${i % 2 ? api2 : api1}/api/v1/auth/signup/`, { phone_number: number })),
    );
    expect(answers.every((answer) => answer.status === 202)).toBe(true);
    await waitForDeliveries(db, burst);
    expect(await duplicateDeliveries(db, burst)).toBe(0);
    expect([...(await deliveriesFor(db, burst)).values()].every((count) => count === 1)).toBe(true);
  });

  it('lets exactly one of 20 activations spread over both APIs win', async () => {
    // Through the built APIs themselves: these users' tokens must be good in both processes.
    const signIn = (api: string) => signInThrough(api, db);
    const [first, second, friend] = await Promise.all([signIn(api1), signIn(api2), signIn(api1)]);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fetch(`${i % 2 ? api2 : api1}/api/v1/users/me/`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${friend.token}` },
          body: JSON.stringify({ used_referral_code: i % 4 < 2 ? first.referral_code : second.referral_code }),
        }).then(async (response) => ({
          status: response.status,
          body: (await response.json()) as Record<string, unknown>,
        })),
      ),
    );
    const winner = answers.find((answer) => answer.status === 200)!.body.used_referral_code;
    for (const answer of answers) {
      if (answer.status === 200) expect(answer.body.used_referral_code).toBe(winner);
      else expect(answer).toMatchObject({ status: 409, body: { error: 'REFERRAL_ALREADY_ACTIVATED' } });
    }
    const { rows } = await db.query<{ referrals: number }>(
      `SELECT coalesce(sum(c.referrals), 0)::int AS referrals FROM referral_counts c
         JOIN users u ON u.id = c.user_id WHERE u.referral_code = ANY($1)`,
      [[first.referral_code, second.referral_code]],
    );
    expect(rows[0].referrals).toBe(1);
  });
});

describe('two APIs with a tight per-IP limit', () => {
  let deployment: Deployment;

  beforeAll(async () => {
    deployment = await startDeployment({ apis: 2, workers: 0, env: { SIGNUP_IP_RATE_LIMIT: '5/60' } });
  });
  afterAll(async () => {
    await deployment?.stop();
  });

  it('counts one client across both APIs', async () => {
    const [api1, api2] = deployment.apis.map((api) => api.base);
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(
        (await postJson(`${i % 2 ? api2 : api1}/api/v1/auth/signup/`, { phone_number: nextPhone() })).status,
      );
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
  });
});
