import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { hasEngine, startHaproxy, type Haproxy } from '../support/engines.mjs';
import { nextPhone } from '../support/phones.js';
import { keysCommand, PRODUCTION_SETTINGS, startDeployment, type Deployment } from '../support/processes.js';
import { requestFrom } from '../support/sources.js';

const HAS_HAPROXY = hasEngine('haproxy', 'haproxy');
const CODE = '4826';

/**
 * SPEC section 13's network and device signals in the shape docs/deploy.md
 * describes: production settings, HAProxy in front of two APIs
 * (TRUST_PROXY=1), people on distinct source addresses. The inviter's
 * neighbour (the same /24) goes to review, a friend elsewhere is clear and
 * final, and the inviter's own device on another network is rejected.
 */
(HAS_HAPROXY ? describe : describe.skip)('referral fraud signals behind HAProxy, people on distinct addresses', () => {
  let deployment: Deployment;
  let haproxy: Haproxy;
  let db: pg.Client;
  const phones = Array.from({ length: 4 }, () => nextPhone());

  beforeAll(async () => {
    const env = {
      ...PRODUCTION_SETTINGS,
      HOST: '127.0.0.1',
      METRICS_PORT: '0',
      TRUST_PROXY: '1',
      // Fixed codes: nobody reads an SMS here.
      OTP_TEST_NUMBERS: phones.map((phone) => `${phone}:${CODE}`).join(','),
    };
    await keysCommand('keys', ['ensure'], env);
    deployment = await startDeployment({ apis: 2, workers: 0, env });
    haproxy = await startHaproxy(deployment.apis.map((api) => Number(new URL(api.base).port)));
    // Both servers up in HAProxy's checks (2 good checks 500 ms apart).
    await sleep(1_500);
    db = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await haproxy?.stop();
    await deployment?.stop();
  });

  /** A sign-in through the balancer from `source`, with a device id and an invite code when given. */
  async function signInFrom(phone: string, source: string, extra: { device_id?: string; referral_code?: string } = {}) {
    const asked = await requestFrom(haproxy.url, '/api/v1/auth/signup/', { body: { phone_number: phone }, source });
    expect(asked.status).toBe(202);
    const signedIn = await requestFrom(haproxy.url, '/api/v1/auth/code/', {
      body: { phone_number: phone, code: CODE, ...extra },
      source,
    });
    expect(signedIn.status).toBe(200);
    return signedIn.body as { referral_code: string; referral?: { activated: boolean } };
  }

  it('sends the inviter’s neighbour to review, lets a friend elsewhere through, and rejects the inviter’s own device', async () => {
    const inviter = await signInFrom(phones[0], '127.0.1.10', { device_id: 'inviter-laptop-0001' });
    await signInFrom(phones[1], '127.0.1.20', {
      referral_code: inviter.referral_code,
      device_id: 'neighbour-phone-01',
    });
    await signInFrom(phones[2], '127.0.2.30', { referral_code: inviter.referral_code, device_id: 'friend-phone-0001' });
    await signInFrom(phones[3], '127.0.3.40', {
      referral_code: inviter.referral_code,
      device_id: 'inviter-laptop-0001',
    });
    const { rows } = await db.query<{ phone_number: string; state: string; verdict: string; flags: string[] }>(
      `SELECT u.phone_number, r.state, r.verdict, r.flags FROM referrals r JOIN users u ON u.id = r.referee_id
        WHERE u.phone_number = ANY($1) ORDER BY u.phone_number`,
      [phones.slice(1)],
    );
    const byPhone = Object.fromEntries(rows.map(({ phone_number, ...rest }) => [phone_number, rest]));
    console.log(`behind HAProxy, production settings: ${JSON.stringify(byPhone)}`);
    expect(byPhone).toEqual({
      [phones[1]]: { state: 'qualified', verdict: 'review', flags: ['same_network'] },
      [phones[2]]: { state: 'final', verdict: 'clear', flags: [] },
      [phones[3]]: { state: 'void', verdict: 'reject', flags: ['same_device'] },
    });
  });
});
