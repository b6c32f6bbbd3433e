import { ReferralHoldsSweep } from '../apps/worker/src/referrals/referral-holds.sweep.js';
import { createUser, type TestUser } from './support/factory.js';
import { EVENTS_SECRET, startReceiver, type Receiver } from './support/events-receiver.js';
import { as, inbox, nextPhone, startStack, waitForCode, type Stack } from './support/stack.js';
import { until } from './support/wait.js';

/**
 * SPEC section 13 from outside, as the host's backend, the admins and the
 * people use it: a referral's life (qualified by the host's event, final after
 * the hold, voided with its rewards reversed), the fraud signals behind each
 * verdict (clients on the addresses a load balancer names: TRUST_PROXY=1, the
 * test as the balancer), the review queue, and the rewards ledger. Every event
 * reaches a receiver that verifies it with `standardwebhooks`.
 */

const ADMIN_PHONE = '+79990008888';
const SCOPES = ['referrals:read', 'referrals:write', 'referrals:review', 'rewards:write'];

/** The host's reward rules in these tests: 100 credit and 7 days, and 50 credit at the inviter's 2nd final referral. */
const REWARDS = {
  REFERRAL_REWARD_INVITER: '100 credit',
  REFERRAL_REWARD_INVITEE: '7 days',
  REFERRAL_MILESTONES: '2:50 credit',
};

interface Person {
  id: string;
  phone: string;
  token: string;
  referralCode: string;
  referral?: { activated: boolean; error: string | null };
}

function lifecycleStack(receiver: Receiver, env: Record<string, string> = {}): Promise<Stack> {
  return startStack({
    env: {
      EVENTS_WEBHOOK_URL: receiver.url,
      EVENTS_WEBHOOK_SECRET: EVENTS_SECRET,
      EVENTS_RETRY_SCHEDULE: '1,1,1',
      ADMIN_PHONE_NUMBERS: ADMIN_PHONE,
      TRUST_PROXY: '1',
      REFERRAL_QUALIFY_ON: 'action',
      REFERRAL_HOLD_SECONDS: '0',
      REFERRAL_VELOCITY_PER_HOUR: '3',
      ...REWARDS,
      ...env,
    },
  });
}

/**
 * A whole sign-in as a client behind the balancer does it: the code request and
 * the code from `address` (X-Forwarded-For, the balancer's header), with the
 * device id the page would send and an invite code when given.
 */
async function signInFrom(
  stack: Stack,
  address: string,
  options: { phone?: string; deviceId?: string; ref?: string } = {},
): Promise<Person> {
  const phone = options.phone ?? nextPhone();
  const seen = (await inbox(stack, phone)).length;
  await stack
    .http()
    .post('/api/v1/auth/signup/')
    .set('X-Forwarded-For', address)
    .send({ phone_number: phone })
    .expect(202);
  const code = await waitForCode(stack, phone, seen);
  const signedIn = await stack
    .http()
    .post('/api/v1/auth/code/')
    .set('X-Forwarded-For', address)
    .send({
      phone_number: phone,
      code,
      ...(options.deviceId ? { device_id: options.deviceId } : {}),
      ...(options.ref ? { referral_code: options.ref } : {}),
    })
    .expect(200);
  const body = signedIn.body as { token: string; referral_code: string; referral?: Person['referral'] };
  const me = await as(stack, { token: body.token }).get('/api/v1/users/me/').expect(200);
  return { id: me.body.id, phone, token: body.token, referralCode: body.referral_code, referral: body.referral };
}

/** Each describe's own: the receiver, the stack, an admin and the host's key. */
async function lifecycleFixture(env: Record<string, string> = {}) {
  const receiver = await startReceiver();
  const stack = await lifecycleStack(receiver, env);
  const admin = await createUser(stack, ADMIN_PHONE);
  return { receiver, stack, admin, host: await hostKey(stack, admin) };
}

async function stopFixture({ stack, receiver }: { stack: Stack; receiver: Receiver }): Promise<void> {
  await stack.close();
  await receiver.close();
}

/** An API key of the host's backend, made by an admin. */
async function hostKey(stack: Stack, admin: TestUser, scopes = SCOPES): Promise<{ token: string }> {
  const made = await as(stack, admin).post('/api/v1/admin/api-keys/', { name: 'host backend', scopes }).expect(201);
  return { token: made.body.key as string };
}

async function referralOf(stack: Stack, refereeId: string) {
  const [row] = await stack.db.query<
    Array<{ id: string; state: string; verdict: string; flags: string[]; void_reason: string | null }>
  >(`SELECT id, state, verdict, flags, void_reason FROM referrals WHERE referee_id = $1`, [refereeId]);
  return row;
}

/** The ledger rows of one referral, oldest first. */
async function ledgerOf(stack: Stack, referralId: string) {
  return stack.db.query<Array<{ kind: string; role: string; amount: string; unit: string; user_id: string }>>(
    `SELECT kind, role, trim_scale(amount)::text AS amount, unit, user_id FROM reward_entries
      WHERE referral_id = $1 ORDER BY created_at, id`,
    [referralId],
  );
}

/** The events about one referral (or its rewards), in the order the outbox wrote them. */
async function eventsAbout(stack: Stack, referralId: string) {
  return stack.db.query<Array<{ id: string; type: string; body: string }>>(
    `SELECT id, type, body FROM events WHERE strpos(body, $1) > 0 ORDER BY created_at, id`,
    [referralId],
  );
}

describe('a referral’s life, as the host sees it', () => {
  let receiver: Receiver, stack: Stack, admin: TestUser, host: { token: string };
  beforeAll(async () => ({ receiver, stack, admin, host } = await lifecycleFixture()));
  afterAll(() => stopFixture({ stack, receiver }));

  it('pending at sign-up, qualified by the host’s event, final and rewarded, voided on a refund with its rewards reversed', async () => {
    const inviter = await signInFrom(stack, '203.0.113.10', { deviceId: 'device-inviter-0001' });
    const invitee = await signInFrom(stack, '198.51.100.20', {
      deviceId: 'device-invitee-0001',
      ref: inviter.referralCode,
    });
    expect(invitee.referral).toEqual({ activated: true, error: null });

    // The inviter sees it pending; nothing is final, nothing is rewarded.
    const listed = await as(stack, inviter).get('/api/v1/users/me/referrals/').expect(200);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ state: 'pending', in_review: false, qualified_at: null, void_reason: null }),
    ]);
    expect(listed.body.by_state).toEqual({ pending: 1, qualified: 0, final: 0, void: 0, in_review: 0 });

    // The host's backend reports the invitee's first purchase: qualified, and with no hold, final.
    const qualify = { user_id: invitee.id, event_id: 'order-1001', action: 'first_purchase' };
    const qualified = await as(stack, host).post('/api/v1/referrals/qualify/', qualify).expect(200);
    expect(qualified.body).toMatchObject({
      outcome: 'qualified',
      referral: { state: 'final', verdict: 'clear', qualifying_action: 'first_purchase', flags: [] },
    });
    const referralId = qualified.body.referral.id as string;
    const eventsAfterQualify = (await eventsAbout(stack, referralId)).length;

    // A retry of the same event is answered as the first and changes nothing; another event finds it qualified.
    const retried = await as(stack, host).post('/api/v1/referrals/qualify/', qualify).expect(200);
    expect(retried.body.outcome).toBe('qualified');
    const another = await as(stack, host)
      .post('/api/v1/referrals/qualify/', { ...qualify, event_id: 'order-1002' })
      .expect(200);
    expect(another.body.outcome).toBe('already');
    expect((await eventsAbout(stack, referralId)).length).toBe(eventsAfterQualify);

    // Both sides are rewarded, once.
    const inviterRewards = await as(stack, inviter).get('/api/v1/users/me/rewards/').expect(200);
    expect(inviterRewards.body).toMatchObject({
      items: [{ role: 'inviter', amount: 100, unit: 'credit', status: 'granted', referral_id: referralId }],
      next_cursor: null,
      balance: [{ unit: 'credit', amount: 100 }],
    });
    const inviteeRewards = await as(stack, invitee).get('/api/v1/users/me/rewards/').expect(200);
    expect(inviteeRewards.body.items).toEqual([
      expect.objectContaining({ role: 'invitee', amount: 7, unit: 'days', status: 'granted' }),
    ]);

    // The host credits the inviter and says so, once.
    const rewardId = inviterRewards.body.items[0].id as string;
    const fulfil = await as(stack, host)
      .post(`/api/v1/rewards/${rewardId}/fulfill/`, { reference: 'credit note 55' })
      .expect(200);
    expect(fulfil.body).toMatchObject({ status: 'fulfilled', fulfilment_reference: 'credit note 55' });
    await as(stack, host).post(`/api/v1/rewards/${rewardId}/fulfill/`, { reference: 'again' }).expect(200);

    // A refund: the referral is void, each reward reversed by an entry of its own.
    const voidCall = { user_id: invitee.id, event_id: 'refund-77', reason: 'refund' };
    const voided = await as(stack, host).post('/api/v1/referrals/void/', voidCall).expect(200);
    expect(voided.body).toMatchObject({ outcome: 'voided', referral: { state: 'void', void_reason: 'refund' } });
    expect((await as(stack, host).post('/api/v1/referrals/void/', voidCall).expect(200)).body.outcome).toBe('voided');
    expect(
      (
        await as(stack, host)
          .post('/api/v1/referrals/void/', { ...voidCall, event_id: 'order-1001' })
          .expect(409)
      ).body.error,
    ).toBe('EVENT_ID_REUSED');
    expect(
      (
        await as(stack, host)
          .post('/api/v1/referrals/qualify/', { ...qualify, event_id: 'order-1003' })
          .expect(409)
      ).body.error,
    ).toBe('REFERRAL_VOID');
    expect((await as(stack, host).post(`/api/v1/rewards/${rewardId}/fulfill/`, {}).expect(200)).body.status).toBe(
      'reversed',
    );

    expect(await ledgerOf(stack, referralId)).toEqual([
      { kind: 'grant', role: 'inviter', amount: '100', unit: 'credit', user_id: inviter.id },
      { kind: 'grant', role: 'invitee', amount: '7', unit: 'days', user_id: invitee.id },
      { kind: 'fulfilment', role: 'inviter', amount: '0', unit: 'credit', user_id: inviter.id },
      { kind: 'reversal', role: 'inviter', amount: '-100', unit: 'credit', user_id: inviter.id },
      { kind: 'reversal', role: 'invitee', amount: '-7', unit: 'days', user_id: invitee.id },
    ]);
    const after = await as(stack, inviter).get('/api/v1/users/me/rewards/').expect(200);
    expect(after.body.balance).toEqual([{ unit: 'credit', amount: 0 }]);
    expect(after.body.items[0]).toMatchObject({ status: 'reversed', reversal_reason: 'referral_voided' });
    const listedAfter = await as(stack, inviter).get('/api/v1/users/me/referrals/').expect(200);
    expect(listedAfter.body.items[0]).toMatchObject({ state: 'void', void_reason: 'refund' });
    expect(listedAfter.body.by_state).toEqual({ pending: 0, qualified: 0, final: 0, void: 1, in_review: 0 });

    // Its history, a row per step, for admins.
    const detail = await as(stack, admin).get(`/api/v1/admin/referrals/${referralId}/`).expect(200);
    expect(detail.body.history.map((move: { step: string; actor: string }) => `${move.step} by ${move.actor}`)).toEqual(
      [
        'activated by invitee',
        expect.stringMatching(/^qualified by host:[0-9a-f-]{36}$/),
        'final by system',
        expect.stringMatching(/^voided by host:[0-9a-f-]{36}$/),
      ],
    );

    // Every event reached the host, verified by standardwebhooks, in the order they were written.
    const written = await eventsAbout(stack, referralId);
    expect(written.map((event) => event.type)).toEqual([
      'referral.activated',
      'referral.qualified',
      'referral.finalized',
      'reward.granted',
      'reward.granted',
      'reward.fulfilled',
      'referral.voided',
      'reward.reversed',
      'reward.reversed',
    ]);
    await until('every event delivered', () =>
      written.every((event) => receiver.delivered.some((delivery) => delivery.id === event.id)) ? true : undefined,
    );
    const payload = (id: string) => receiver.delivered.find((delivery) => delivery.id === id)!.payload;
    expect(payload(written[1].id)).toEqual({
      type: 'referral.qualified',
      timestamp: expect.any(String),
      data: {
        referral_id: referralId,
        referrer: { id: inviter.id },
        referee: { id: invitee.id },
        action: 'first_purchase',
        qualified_at: expect.any(String),
        final_due: expect.any(String),
        verdict: 'clear',
        flags: [],
        signals: {
          same_network: false,
          same_device: false,
          referrals_last_hour: 1,
          velocity_per_hour: 3,
          number_type: 'mobile',
          invitee_country: 'RU',
          inviter_country: 'RU',
        },
      },
    });
    expect(payload(written[6].id).data).toMatchObject({ reason: 'refund', by: 'host', previous_state: 'final' });
    expect(payload(written[7].id).data).toMatchObject({ role: 'inviter', amount: 100, reason: 'referral_voided' });
  });

  it('counts a milestone at the inviter’s second final referral, and takes it back when one of the two is voided', async () => {
    const inviter = await signInFrom(stack, '203.0.113.30');
    const friends = [
      await signInFrom(stack, '198.51.100.31', { ref: inviter.referralCode }),
      await signInFrom(stack, '198.51.101.32', { ref: inviter.referralCode }),
    ];
    for (const [i, friend] of friends.entries()) {
      await as(stack, host)
        .post('/api/v1/referrals/qualify/', { user_id: friend.id, event_id: `ms-${friend.id}`, action: `order ${i}` })
        .expect(200);
    }
    const rewards = async () =>
      (await as(stack, inviter).get('/api/v1/users/me/rewards/').expect(200)).body as {
        items: Array<{ role: string; milestone: number | null; status: string }>;
        balance: Array<{ unit: string; amount: number }>;
      };
    expect((await rewards()).balance).toEqual([{ unit: 'credit', amount: 250 }]);
    expect((await rewards()).items.filter((item) => item.role === 'milestone')).toEqual([
      expect.objectContaining({ milestone: 2, status: 'granted' }),
    ]);
    await as(stack, host)
      .post('/api/v1/referrals/void/', {
        user_id: friends[0].id,
        event_id: `chargeback-${friends[0].id}`,
        reason: 'chargeback',
      })
      .expect(200);
    const after = await rewards();
    expect(after.balance).toEqual([{ unit: 'credit', amount: 100 }]);
    expect(after.items.filter((item) => item.role === 'milestone')).toEqual([
      expect.objectContaining({ milestone: 2, status: 'reversed' }),
    ]);
    // The leaderboard counts final referrals only.
    const board = await as(stack, admin).get('/api/v1/referrals/leaderboard/?limit=100').expect(200);
    expect(board.body.items.find((item: { id: string }) => item.id === inviter.id)).toMatchObject({
      referrals_count: 1,
    });
  });

  it('answers the closed list of errors for what cannot be, and changes nothing', async () => {
    const loner = await signInFrom(stack, '203.0.113.40');
    const key = (token: string) => as(stack, { token });
    expect(
      (
        await key(host.token)
          .post('/api/v1/referrals/qualify/', { user_id: loner.id, event_id: 'e1', action: 'x' })
          .expect(404)
      ).body.error,
    ).toBe('REFERRAL_NOT_FOUND');
    expect((await key(host.token).post(`/api/v1/rewards/${loner.id}/fulfill/`, {}).expect(404)).body.error).toBe(
      'REWARD_NOT_FOUND',
    );
    expect((await key(host.token).get(`/api/v1/admin/referrals/${loner.id}/`).expect(404)).body.error).toBe(
      'REFERRAL_NOT_FOUND',
    );
    // A key without the scope, and a person, are refused.
    const reader = await hostKey(stack, admin, ['referrals:read']);
    await key(reader.token)
      .post('/api/v1/referrals/qualify/', { user_id: loner.id, event_id: 'e2', action: 'x' })
      .expect(403);
    await as(stack, loner)
      .post('/api/v1/referrals/void/', { user_id: loner.id, event_id: 'e3', reason: 'x' })
      .expect(403);
    await as(stack, loner).get('/api/v1/admin/referrals/').expect(403);
    expect(
      (await stack.db.query(`SELECT 1 FROM referral_host_calls WHERE event_id IN ('e1', 'e2', 'e3')`)).length,
    ).toBe(0);
  });
});

describe('the hold period', () => {
  let receiver: Receiver, stack: Stack, host: { token: string };
  beforeAll(async () => ({ receiver, stack, host } = await lifecycleFixture({ REFERRAL_HOLD_SECONDS: '2' })));
  afterAll(() => stopFixture({ stack, receiver }));

  it('keeps a qualified referral from being final or rewarded until it passes; a void within it leaves nothing to reverse', async () => {
    const inviter = await signInFrom(stack, '203.0.113.50');
    const [kept, refunded] = [
      await signInFrom(stack, '198.51.100.51', { ref: inviter.referralCode }),
      await signInFrom(stack, '198.51.102.52', { ref: inviter.referralCode }),
    ];
    for (const friend of [kept, refunded]) {
      const answer = await as(stack, host)
        .post('/api/v1/referrals/qualify/', { user_id: friend.id, event_id: `hold-${friend.id}`, action: 'subscribe' })
        .expect(200);
      expect(answer.body.referral.state).toBe('qualified');
    }
    await as(stack, host)
      .post('/api/v1/referrals/void/', { user_id: refunded.id, event_id: `hold-void-${refunded.id}`, reason: 'refund' })
      .expect(200);
    const sweep = stack.worker!.get(ReferralHoldsSweep);
    expect(await sweep.sweep()).toBe(0);
    expect((await referralOf(stack, kept.id)).state).toBe('qualified');
    await until('the hold ends', async () => ((await sweep.sweep()) === 1 ? true : undefined), 10_000);
    expect((await referralOf(stack, kept.id)).state).toBe('final');
    expect((await ledgerOf(stack, (await referralOf(stack, kept.id)).id)).map((row) => row.kind)).toEqual([
      'grant',
      'grant',
    ]);
    expect(await ledgerOf(stack, (await referralOf(stack, refunded.id)).id)).toEqual([]);
  });
});

describe('fraud signals, verdicts and the review queue', () => {
  let receiver: Receiver, stack: Stack, admin: TestUser, host: { token: string };
  beforeAll(async () => ({ receiver, stack, admin, host } = await lifecycleFixture({ REFERRAL_QUALIFY_ON: 'signup' })));
  afterAll(() => stopFixture({ stack, receiver }));

  it('lets a friend on another network and device through: clear, final at sign-up, both rewarded', async () => {
    const inviter = await signInFrom(stack, '203.0.113.60', { deviceId: 'device-legit-inviter' });
    const friend = await signInFrom(stack, '198.51.100.61', {
      deviceId: 'device-legit-friend',
      ref: inviter.referralCode,
    });
    const referral = await referralOf(stack, friend.id);
    expect(referral).toMatchObject({ state: 'final', verdict: 'clear', flags: [] });
    expect((await ledgerOf(stack, referral.id)).map(({ kind, role, user_id }) => [kind, role, user_id])).toEqual([
      ['grant', 'inviter', inviter.id],
      ['grant', 'invitee', friend.id],
    ]);
  });

  it('sends an invitee from the inviter’s network (/24, and /64 for IPv6) to review; another network is clear', async () => {
    const inviter = await signInFrom(stack, '192.0.2.10');
    const neighbour = await signInFrom(stack, '192.0.2.77', { ref: inviter.referralCode });
    expect(await referralOf(stack, neighbour.id)).toMatchObject({
      state: 'qualified',
      verdict: 'review',
      flags: ['same_network'],
    });

    const inviter6 = await signInFrom(stack, '2001:db8:1:2::10');
    const sameLan = await signInFrom(stack, '2001:db8:1:2:aaaa::99', { ref: inviter6.referralCode });
    const otherLan = await signInFrom(stack, '2001:db8:1:3::5', { ref: inviter6.referralCode });
    expect(await referralOf(stack, sameLan.id)).toMatchObject({ verdict: 'review', flags: ['same_network'] });
    expect(await referralOf(stack, otherLan.id)).toMatchObject({ state: 'final', verdict: 'clear', flags: [] });

    // In the queue until an admin decides: approve makes it final and rewarded.
    const queue = await as(stack, admin).get('/api/v1/admin/referrals/?verdict=review').expect(200);
    const queued = (queue.body.items as Array<{ id: string; referee: { id: string }; signals: object }>).find(
      (item) => item.referee.id === neighbour.id,
    );
    expect(queued?.signals).toMatchObject({ same_network: true, same_device: null });
    const approved = await as(stack, admin).post(`/api/v1/admin/referrals/${queued!.id}/approve/`, {}).expect(200);
    expect(approved.body).toMatchObject({ state: 'final', verdict: 'clear', reviewed_by: `admin:${admin.id}` });
    expect((await ledgerOf(stack, queued!.id)).map((row) => row.role)).toEqual(['inviter', 'invitee']);
    expect(
      (await as(stack, admin).post(`/api/v1/admin/referrals/${queued!.id}/approve/`, {}).expect(409)).body.error,
    ).toBe('REFERRAL_NOT_IN_REVIEW');

    // Reject, by a key with the scope: void with the reason, nothing granted.
    const rejectedId = (await referralOf(stack, sameLan.id)).id;
    const rejected = await as(stack, host)
      .post(`/api/v1/admin/referrals/${rejectedId}/reject/`, { reason: 'one household' })
      .expect(200);
    expect(rejected.body).toMatchObject({ state: 'void', verdict: 'reject', void_reason: 'one household' });
    expect(await ledgerOf(stack, rejectedId)).toEqual([]);
    const after = await as(stack, admin).get('/api/v1/admin/referrals/?verdict=review').expect(200);
    expect(after.body.items.map((item: { id: string }) => item.id)).not.toContain(rejectedId);
  });

  it('rejects an invitee on the inviter’s own device at once: void (fraud), never counted', async () => {
    const inviter = await signInFrom(stack, '203.0.113.70', { deviceId: 'shared-device-0070' });
    const sock = await signInFrom(stack, '198.51.100.71', {
      deviceId: 'shared-device-0070',
      ref: inviter.referralCode,
    });
    // The person is not told: the sign-in succeeded, the activation too.
    expect(sock.referral).toEqual({ activated: true, error: null });
    expect(await referralOf(stack, sock.id)).toMatchObject({
      state: 'void',
      verdict: 'reject',
      flags: ['same_device'],
      void_reason: 'fraud',
    });
    const profile = await as(stack, inviter).get('/api/v1/users/me/').expect(200);
    expect(profile.body.referrals_by_state).toEqual({ pending: 0, qualified: 0, final: 0, void: 1, in_review: 0 });
  });

  it('sends the inviter’s referrals beyond the hourly velocity to review (3 an hour here)', async () => {
    const inviter = await signInFrom(stack, '203.0.113.80');
    const verdicts: string[] = [];
    for (let i = 0; i < 4; i++) {
      const friend = await signInFrom(stack, `198.51.${110 + i}.8`, { ref: inviter.referralCode });
      verdicts.push((await referralOf(stack, friend.id)).verdict);
    }
    expect(verdicts).toEqual(['clear', 'clear', 'clear', 'review']);
  });

  it('records the number’s type and country; rules off let them through, rules on send them to review or reject', async () => {
    const inviter = await signInFrom(stack, '203.0.113.90');
    const german = await signInFrom(stack, '198.51.120.9', { phone: '+4915112340090', ref: inviter.referralCode });
    expect(await referralOf(stack, german.id)).toMatchObject({ verdict: 'clear', flags: ['foreign_country'] });

    const strict = await lifecycleStack(receiver, {
      REFERRAL_FRAUD_RULES: 'foreign_country:review,not_mobile:reject',
    });
    try {
      const home = await signInFrom(strict, '203.0.113.91');
      const abroad = await signInFrom(strict, '198.51.121.9', { phone: '+4915112340091', ref: home.referralCode });
      const american = await signInFrom(strict, '198.51.122.9', { phone: '+12025550191', ref: home.referralCode });
      expect(await referralOf(strict, abroad.id)).toMatchObject({ verdict: 'review', flags: ['foreign_country'] });
      expect(await referralOf(strict, american.id)).toMatchObject({
        state: 'void',
        verdict: 'reject',
        flags: ['not_mobile', 'foreign_country'],
      });
    } finally {
      await strict.close();
    }
  });
});

describe('an invitee who leaves', () => {
  let receiver: Receiver, stack: Stack, host: { token: string };
  beforeAll(async () => ({ receiver, stack, host } = await lifecycleFixture()));
  afterAll(() => stopFixture({ stack, receiver }));

  it('voids a referral not yet final; a final one keeps its rewards', async () => {
    const inviter = await signInFrom(stack, '203.0.113.100');
    const early = await signInFrom(stack, '198.51.100.101', { ref: inviter.referralCode });
    const late = await signInFrom(stack, '198.51.103.102', { ref: inviter.referralCode });
    await as(stack, host)
      .post('/api/v1/referrals/qualify/', { user_id: late.id, event_id: `leave-${late.id}`, action: 'order' })
      .expect(200);
    await as(stack, early).delete('/api/v1/users/me/').expect(204);
    await as(stack, late).delete('/api/v1/users/me/').expect(204);
    expect(await referralOf(stack, early.id)).toMatchObject({ state: 'void', void_reason: 'invitee_deleted' });
    expect(await referralOf(stack, late.id)).toMatchObject({ state: 'final' });
    expect((await ledgerOf(stack, (await referralOf(stack, late.id)).id)).map((row) => row.kind)).toEqual([
      'grant',
      'grant',
    ]);
  });
});
