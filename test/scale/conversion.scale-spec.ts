import { setTimeout as sleep } from 'node:timers/promises';
import { hasEngine, startHaproxy, type Haproxy } from '../support/engines.mjs';
import { EVENTS_SECRET, startReceiver, type Receiver } from '../support/events-receiver.js';
import { nextPhone } from '../support/phones.js';
import { keysCommand, PRODUCTION_SETTINGS, startDeployment, type Deployment } from '../support/processes.js';
import { requestFrom } from '../support/sources.js';
import { until } from '../support/wait.js';

const HAS_HAPROXY = hasEngine('haproxy', 'haproxy');

/**
 * SPEC section 14's conversion defence as deployed: production settings (the
 * mode left at its production default, enforce; the budgets on), HAProxy in
 * front of two APIs (TRUST_PROXY=1), a worker sending through the signed SMS
 * webhook, and the attacker and the people on distinct source addresses. Only
 * the sizes are made small to play it in seconds: ranges of 10,000 numbers, 10
 * numbers make volume, no settle time. The attacker walks one range from a new
 * address per code, spread over its blocks of 1,000 so that the block budget
 * (30 an hour) does not stop it first; people elsewhere sign in with the codes
 * the webhook brought them.
 */
(HAS_HAPROXY ? describe : describe.skip)('pumping seen by conversion behind HAProxy, production settings', () => {
  let receiver: Receiver;
  let deployment: Deployment;
  let haproxy: Haproxy;

  beforeAll(async () => {
    receiver = await startReceiver(EVENTS_SECRET);
    const env = {
      ...PRODUCTION_SETTINGS,
      HOST: '127.0.0.1',
      METRICS_PORT: '0',
      TRUST_PROXY: '1',
      SMS_WEBHOOK_URL: receiver.url,
      SMS_WEBHOOK_SECRET: EVENTS_SECRET,
      SMS_CONVERSION_MIN_CODES: '10',
      SMS_CONVERSION_SETTLE_SECONDS: '0',
      SMS_CONVERSION_RANGE_DIGITS: '4',
    };
    await keysCommand('keys', ['ensure'], env);
    deployment = await startDeployment({ apis: 2, workers: 1, env });
    haproxy = await startHaproxy(deployment.apis.map((api) => Number(new URL(api.base).port)));
    await sleep(1_500);
  });
  afterAll(async () => {
    await haproxy?.stop();
    await deployment?.stop();
    await receiver?.close();
  });

  /** A range of its own per run (+79997xx): the database may hold an earlier run's numbers, unverified. */
  const range = `+79997${String(Math.floor(Math.random() * 100)).padStart(2, '0')}`;
  let walked = 0;
  /** The attacker's next number of the range, a new block of 1,000 each time round, from an address of its own. */
  async function pump(): Promise<number> {
    walked += 1;
    const phone = `${range}${String(((walked % 10) * 1000 + walked) % 10_000).padStart(4, '0')}`;
    const source = `127.0.5.${walked}`;
    return (await requestFrom(haproxy.url, '/api/v1/auth/signup/', { body: { phone_number: phone }, source })).status;
  }

  let people = 0;
  /** A person elsewhere, on an address of their own: the code from the SMS webhook, then the sign-in. */
  async function person(): Promise<number> {
    people += 1;
    const phone = nextPhone();
    const source = `127.0.6.${people}`;
    const asked = await requestFrom(haproxy.url, '/api/v1/auth/signup/', { body: { phone_number: phone }, source });
    if (asked.status !== 202) return asked.status;
    const sms = await until('the code through the SMS webhook', () =>
      receiver.delivered
        .map((delivery) => JSON.parse(delivery.body) as { to: string; text: string })
        .find((message) => message.to === phone),
    );
    const code = /\b(\d{4})\b/.exec(sms.text)![1];
    return (await requestFrom(haproxy.url, '/api/v1/auth/code/', { body: { phone_number: phone, code }, source }))
      .status;
  }

  it('stops the walked range with 429 while people elsewhere, on their own addresses, still sign in', async () => {
    const before: number[] = [];
    for (let i = 0; i < 30; i++) before.push(await pump());
    const peopleBefore = [await person(), await person()];
    // Each API reads a range at most every 5 s: past that, both have seen the range's 30 unverified numbers.
    await sleep(5_500);
    const after: number[] = [];
    const peopleAfter: number[] = [];
    for (let i = 0; i < 20; i++) {
      after.push(await pump());
      if (i % 5 === 0) peopleAfter.push(await person());
    }
    const tally = (statuses: number[]) =>
      statuses.reduce<Record<number, number>>((all, status) => ({ ...all, [status]: (all[status] ?? 0) + 1 }), {});
    console.log(
      `conversion behind HAProxy: the range's first 30 ${JSON.stringify(tally(before))}, the next 20 ${JSON.stringify(tally(after))}; people ${JSON.stringify(tally([...peopleBefore, ...peopleAfter]))}`,
    );
    // The first 30 go while each API's first reading of the range (none sent yet) holds; a slow machine may see a
    // later reading trip before the 30th.
    expect(before.every((status) => status === 202 || status === 429)).toBe(true);
    expect(tally(before)[202]).toBeGreaterThanOrEqual(10);
    expect(tally(after)).toEqual({ 429: 20 });
    expect(tally([...peopleBefore, ...peopleAfter])).toEqual({ 200: 6 });
  });
});
