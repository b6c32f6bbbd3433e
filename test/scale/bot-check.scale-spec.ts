import { setTimeout as sleep } from 'node:timers/promises';
import { BOT_CHECK, startSiteVerify, type SiteVerify } from '../support/bot-check-providers.js';
import { hasEngine, startHaproxy, type Haproxy } from '../support/engines.mjs';
import { nextPhone } from '../support/phones.js';
import { keysCommand, PRODUCTION_SETTINGS, startDeployment, type Deployment } from '../support/processes.js';
import { requestFrom } from '../support/sources.js';

const HAS_HAPROXY = hasEngine('haproxy', 'haproxy');

/**
 * SPEC section 15's bot check as deployed: production settings, HAProxy in
 * front of two APIs (TRUST_PROXY=1, the balancer writes X-Forwarded-For), the
 * thresholds counted in the shared Redis, clients on distinct source
 * addresses. One address that signs up again and again is asked for a check
 * after its third sign-up, on whichever API it lands; a forged X-Forwarded-For
 * does not make it someone else; people on other addresses are never asked.
 */
(HAS_HAPROXY ? describe : describe.skip)('the bot check behind HAProxy, production settings', () => {
  let verify: SiteVerify;
  let deployment: Deployment;
  let haproxy: Haproxy;

  beforeAll(async () => {
    verify = await startSiteVerify('turnstile');
    const env = {
      ...PRODUCTION_SETTINGS,
      HOST: '127.0.0.1',
      METRICS_PORT: '0',
      TRUST_PROXY: '1',
      BOT_CHECK_PROVIDER: 'turnstile',
      BOT_CHECK_SITE_KEY: BOT_CHECK.siteKey,
      BOT_CHECK_SECRET: BOT_CHECK.secret,
      BOT_CHECK_VERIFY_URL: verify.url,
      BOT_CHECK_WHEN: 'address',
      BOT_CHECK_ADDRESS_THRESHOLD: '3',
      // Counted only: the database may hold earlier runs' unverified numbers of this range.
      SMS_CONVERSION_MODE: 'shadow',
    };
    await keysCommand('keys', ['ensure'], env);
    deployment = await startDeployment({ apis: 2, workers: 0, env });
    haproxy = await startHaproxy(deployment.apis.map((api) => Number(new URL(api.base).port)));
    await sleep(1_000);
  });
  afterAll(async () => {
    await haproxy?.stop();
    await deployment?.stop();
    await verify?.close();
  });

  const signup = (source: string, extra: { token?: string; forwardedFor?: string } = {}) =>
    requestFrom(haproxy.url, '/api/v1/auth/signup/', {
      body: { phone_number: nextPhone(), ...(extra.token ? { bot_check_token: extra.token } : {}) },
      source,
      forwardedFor: extra.forwardedFor,
    });

  it('asks one busy address for a check past its threshold, across both APIs, and nobody else', async () => {
    const busy = '127.0.8.1';
    const first = [await signup(busy), await signup(busy), await signup(busy)].map((answer) => answer.status);
    // Past the threshold; a forged X-Forwarded-For is written over by the balancer's own entry.
    const asked = [await signup(busy), await signup(busy, { forwardedFor: '203.0.113.9' }), await signup(busy)];
    const people = [];
    for (let person = 2; person <= 11; person++) people.push((await signup(`127.0.8.${person}`)).status);
    const solved = await signup(busy, { token: verify.issue() });
    console.log(
      `bot check behind HAProxy: the busy address ${first.join(',')} then ${asked.map((a) => a.status).join(',')}, ` +
        `with a solved widget ${solved.status}; ten people ${people.join(',')}`,
    );
    expect(first).toEqual([202, 202, 202]);
    expect(asked.map((answer) => [answer.status, answer.body.error])).toEqual([
      [403, 'BOT_CHECK_FAILED'],
      [403, 'BOT_CHECK_FAILED'],
      [403, 'BOT_CHECK_FAILED'],
    ]);
    expect(people).toEqual(Array(10).fill(202));
    expect(solved.status).toBe(202);
    // The provider was asked once, about the busy address, as the balancer saw it.
    expect(verify.calls.map((call) => call.fields.remoteip)).toEqual([busy]);
  });
});
