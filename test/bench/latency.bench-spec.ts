import { createUser } from '../support/factory.js';
import { EVENTS_SECRET, startReceiver } from '../support/events-receiver.js';
import { startGateway, TWILIO } from '../support/gateways.js';
import { as, nextPhone, signedInNumbers, startStack, waitForCode } from '../support/stack.js';
import { percentiles, until } from '../support/wait.js';

/**
 * Latencies through the real stack and the tests' local servers, printed for the
 * record (`make bench` runs this file after bench/run.mjs). Figures, not
 * assertions: on a shared 2-core machine they swing by a third between runs.
 * Each case checks only that every request it timed was answered.
 */

const report = (line: string) => process.stdout.write(`${line}\n`);

describe('latency', () => {
  it('signup to the local Twilio server, 200 codes, 20 at a time (p50, p99)', async () => {
    const gateway = await startGateway('twilio');
    const stack = await startStack({
      env: {
        SMS_TRANSPORT: 'twilio',
        TWILIO_ACCOUNT_SID: TWILIO.accountSid,
        TWILIO_AUTH_TOKEN: TWILIO.authToken,
        TWILIO_FROM: TWILIO.from,
        TWILIO_API_URL: gateway.url,
      },
    });
    try {
      const phones = Array.from({ length: 200 }, () => nextPhone());
      const took: number[] = [];
      for (let batch = 0; batch < phones.length; batch += 20) {
        await Promise.all(
          phones.slice(batch, batch + 20).map(async (phone) => {
            const started = Date.now();
            await stack.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
            const message = await until('the message', () => gateway.received.find((item) => item.to === phone));
            took.push(message.at - started);
          }),
        );
      }
      const { p50, p99 } = percentiles(took);
      report(`signup to the local Twilio server: p50 ${p50} ms, p99 ${p99} ms over ${took.length} codes`);
      expect(gateway.received).toHaveLength(200);
    } finally {
      await stack.close();
      await gateway.close();
    }
  });

  it('PATCH /users/me/ to the receiver’s verified receipt, 200 activations, 10 at a time (p50, p99)', async () => {
    const receiver = await startReceiver();
    const stack = await startStack({
      env: { EVENTS_WEBHOOK_URL: receiver.url, EVENTS_WEBHOOK_SECRET: EVENTS_SECRET },
    });
    try {
      const inviter = await createUser(stack);
      const friends = await Promise.all(Array.from({ length: 200 }, () => createUser(stack)));
      const took: number[] = [];
      for (let batch = 0; batch < friends.length; batch += 10) {
        await Promise.all(
          friends.slice(batch, batch + 10).map(async (friend) => {
            const started = Date.now();
            await as(stack, friend)
              .patch('/api/v1/users/me/', { used_referral_code: inviter.referralCode })
              .expect(200);
            const delivery = await until('the event', () =>
              receiver.delivered.find(
                (candidate) =>
                  candidate.payload.type === 'referral.activated' &&
                  (candidate.payload.data.referee as { id: string }).id === friend.id,
              ),
            );
            took.push(delivery.at - started);
          }),
        );
      }
      const { p50, p99 } = percentiles(took);
      report(
        `PATCH to verified receipt (${stack.config.queue.backend} queue): p50 ${p50} ms, p99 ${p99} ms over ${took.length}`,
      );
      expect(took).toHaveLength(200);
    } finally {
      await stack.close();
      await receiver.close();
    }
  });

  it('signup and a wrong code for known and unknown numbers, 100 of each (medians)', async () => {
    const stack = await startStack();
    try {
      const known = await signedInNumbers(stack, 100);
      const unknown = Array.from({ length: 100 }, () => nextPhone());
      const statuses: number[] = [];
      const timed = async (send: () => PromiseLike<{ status: number }>) => {
        const started = process.hrtime.bigint();
        const { status } = await send();
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        statuses.push(status);
        return ms;
      };
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
      const signup = { known: [] as number[], unknown: [] as number[] };
      for (let i = 0; i < 100; i++) {
        signup.known.push(
          await timed(() => stack.http().post('/api/v1/auth/signup/').send({ phone_number: known[i] })),
        );
        signup.unknown.push(
          await timed(() => stack.http().post('/api/v1/auth/signup/').send({ phone_number: unknown[i] })),
        );
      }
      const wrongFor = (code: string) => (code === '0000' ? '0001' : '0000');
      const wrong = { known: [] as number[], unknown: [] as number[] };
      for (let i = 0; i < 100; i++) {
        const [knownCode, unknownCode] = [await waitForCode(stack, known[i], 1), await waitForCode(stack, unknown[i])];
        wrong.known.push(
          await timed(() =>
            stack
              .http()
              .post('/api/v1/auth/code/')
              .send({ phone_number: known[i], code: wrongFor(knownCode) }),
          ),
        );
        wrong.unknown.push(
          await timed(() =>
            stack
              .http()
              .post('/api/v1/auth/code/')
              .send({ phone_number: unknown[i], code: wrongFor(unknownCode) }),
          ),
        );
      }
      for (const [name, times] of [
        ['signup', signup],
        ['wrong code', wrong],
      ] as const)
        report(
          `${name}: median known ${median(times.known).toFixed(2)} ms, unknown ${median(times.unknown).toFixed(2)} ms ` +
            `(100 tries each)`,
        );
      // Every code was asked for (202) and every wrong code refused (400), for both kinds of number.
      expect(statuses.slice(0, 200).filter((status) => status !== 202)).toEqual([]);
      expect(statuses.slice(200).filter((status) => status !== 400)).toEqual([]);
      expect(statuses).toHaveLength(400);
    } finally {
      await stack.close();
    }
  });
});
