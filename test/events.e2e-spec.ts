import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { Webhook } from 'standardwebhooks';
import { EVENTS_QUEUE } from '../libs/domain/src/index.js';
import { EventsSweep } from '../apps/worker/src/events/events.sweep.js';
import { createUser, type TestUser } from './support/factory.js';
import { EVENTS_SECRET, startReceiver, type Delivery, type Receiver } from './support/events-receiver.js';
import { as, jobsEnded, nextPhone, startStack, type Stack } from './support/stack.js';
import { until } from './support/wait.js';

/**
 * Events for the host app (SPEC section 8): written to the outbox with the
 * change, delivered by the real worker, received by a server that verifies
 * every request with the `standardwebhooks` package.
 */

const ADMIN_PHONE = '+79990007777';

function eventStack(receiver: Receiver, env: Record<string, string> = {}, worker = true): Promise<Stack> {
  return startStack({
    env: {
      EVENTS_WEBHOOK_URL: receiver.url,
      EVENTS_WEBHOOK_SECRET: EVENTS_SECRET,
      EVENTS_RETRY_SCHEDULE: '1,1,1',
      ADMIN_PHONE_NUMBERS: ADMIN_PHONE,
      ...env,
    },
    worker,
  });
}

async function eventsOf(stack: Stack, type?: string) {
  return stack.db.query<Array<{ id: string; type: string; status: string; attempts: number; body: string }>>(
    `SELECT id, type, status, attempts, body FROM events ${type ? 'WHERE type = $1' : ''} ORDER BY created_at, id`,
    type ? [type] : [],
  );
}

/** Waits until no event is pending, so that a scripted answer goes to the next event and no other. */
async function settled(stack: Stack): Promise<void> {
  await until('no pending events', async () =>
    (await eventsOf(stack)).every((event) => event.status !== 'pending') ? true : undefined,
  );
}

const deliveredOf = (receiver: Receiver, id: string) => receiver.delivered.find((delivery) => delivery.id === id);

describe('events delivered to the host app', () => {
  let receiver: Receiver;
  let stack: Stack;
  let admin: TestUser;

  beforeAll(async () => {
    receiver = await startReceiver();
    stack = await eventStack(receiver);
    admin = await createUser(stack, ADMIN_PHONE);
  });
  afterAll(async () => {
    await stack.close();
    await receiver.close();
  });

  it('sends user.created, referral.activated and user.deleted, each signed and verified, with its payload', async () => {
    const inviter = await createUser(stack, nextPhone(), 'ev_inviter');
    const friend = await createUser(stack, nextPhone(), 'ev_friend');
    await as(stack, friend).patch('/api/v1/users/me/', { used_referral_code: inviter.referralCode }).expect(200);
    const [created] = (await eventsOf(stack, 'user.created')).filter((event) => event.body.includes(friend.id));
    const [activated] = await eventsOf(stack, 'referral.activated');
    const got = (id: string) => until(`delivery of ${id}`, () => deliveredOf(receiver, id));
    const [createdAt, activatedAt] = [await got(created.id), await got(activated.id)];
    // Deleted once both were delivered: an undelivered event loses the user's phone and username (below).
    await until('both marked delivered', async () =>
      (await eventsOf(stack)).filter((row) => [created.id, activated.id].includes(row.id) && row.status === 'delivered')
        .length === 2
        ? true
        : undefined,
    );
    await as(stack, friend).delete('/api/v1/users/me/').expect(204);
    const [deleted] = await eventsOf(stack, 'user.deleted');
    const deletedAt = await got(deleted.id);

    expect(createdAt.payload).toEqual({
      type: 'user.created',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: {
        id: friend.id,
        username: 'ev_friend',
        phone_number: friend.phone,
        referral_code: friend.referralCode,
        created_at: expect.any(String),
      },
    });
    expect(activatedAt.payload).toEqual({
      type: 'referral.activated',
      timestamp: expect.any(String),
      data: {
        referrer: { id: inviter.id, username: 'ev_inviter' },
        referee: { id: friend.id, username: 'ev_friend' },
        referral_code: inviter.referralCode,
        activated_at: expect.any(String),
        referrals_count: 1,
        // SPEC section 13: the referral, its verdict and the signals behind it. Loopback is not compared.
        referral_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        verdict: 'clear',
        flags: [],
        signals: {
          same_network: null,
          same_device: null,
          referrals_last_hour: 1,
          velocity_per_hour: 20,
          number_type: 'mobile',
          invitee_country: 'RU',
          inviter_country: 'RU',
        },
      },
    });
    expect(deletedAt.payload).toEqual({
      type: 'user.deleted',
      timestamp: expect.any(String),
      data: { id: friend.id, deleted_at: expect.any(String) },
    });
    // The body on the wire is the outbox's, byte for byte; the timestamp is the attempt's.
    expect(activatedAt.body).toBe(activated.body);
    expect(Math.abs(activatedAt.timestamp - Math.floor(activatedAt.at / 1000))).toBeLessThanOrEqual(1);
    expect(activatedAt.headers['content-type']).toBe('application/json');
    // Delivered events keep what was sent until the retention sweep.
    expect((await eventsOf(stack, 'user.created')).find((row) => row.id === created.id)?.body).toContain(friend.phone);
  });

  it('is refused by the verifier when the body is changed, the timestamp is old, or the secret differs', async () => {
    const user = await createUser(stack);
    const [event] = (await eventsOf(stack, 'user.created')).filter((row) => row.body.includes(user.id));
    const delivery: Delivery = await until('the delivery', () => deliveredOf(receiver, event.id));
    const headers = {
      'webhook-id': String(delivery.headers['webhook-id']),
      'webhook-timestamp': String(delivery.headers['webhook-timestamp']),
      'webhook-signature': String(delivery.headers['webhook-signature']),
    };
    const verifier = new Webhook(EVENTS_SECRET);
    expect(verifier.verify(delivery.body, headers)).toEqual(delivery.payload);
    // One character of the body changed (to another one: an id that ends in 0 once made this no change at all).
    const changed = user.id.replace(/.$/, (last) => (last === '0' ? '1' : '0'));
    expect(() => verifier.verify(delivery.body.replace(user.id, changed), headers)).toThrow();
    expect(() => verifier.verify(delivery.body, { ...headers, 'webhook-id': 'another' })).toThrow();
    const old = String(Number(headers['webhook-timestamp']) - 10 * 60);
    expect(() => verifier.verify(delivery.body, { ...headers, 'webhook-timestamp': old })).toThrow(/too old/i);
    const other = new Webhook(`whsec_${Buffer.from('another-secret-of-enough-bytes!!').toString('base64')}`);
    expect(() => other.verify(delivery.body, headers)).toThrow();
  });

  it('writes no event for a change that failed, and one per change that committed', async () => {
    const user = await createUser(stack);
    const before = (await eventsOf(stack)).length;
    await as(stack, user).patch('/api/v1/users/me/', { used_referral_code: 'ZZZZZZ' }).expect(422);
    await as(stack, user).patch('/api/v1/users/me/', { used_referral_code: user.referralCode }).expect(422);
    // A rename and an activation in one request: the refused rename undoes the activation, and its event.
    const inviter = await createUser(stack, nextPhone(), 'ev_taken');
    await as(stack, user)
      .patch('/api/v1/users/me/', { username: 'ev_taken', used_referral_code: inviter.referralCode })
      .expect(409);
    expect((await eventsOf(stack)).length).toBe(before + 1); // the inviter's user.created
    await as(stack, admin).post('/api/v1/users/', { phone_number: inviter.phone }).expect(409);
    await as(stack, admin).post('/api/v1/users/', { phone_number: nextPhone(), username: 'ev_by_admin' }).expect(201);
    const created = await eventsOf(stack, 'user.created');
    expect(created.filter((event) => event.body.includes('"ev_by_admin"'))).toHaveLength(1);
    expect((await eventsOf(stack)).length).toBe(before + 2);
  });

  it('tries again after 503, 503, with the same webhook-id, and records each attempt for the admin', async () => {
    await settled(stack);
    receiver.script(503, 503, 200);
    const user = await createUser(stack);
    const [event] = (await eventsOf(stack, 'user.created')).filter((row) => row.body.includes(user.id));
    await until('delivered', () => deliveredOf(receiver, event.id));
    const seen = receiver.requests.filter((request) => request.id === event.id);
    expect(seen.map(({ status, verified }) => `${status} ${verified}`)).toEqual(['503 true', '503 true', '200 true']);
    expect(seen[1].at - seen[0].at).toBeGreaterThanOrEqual(850);

    // The receiver has answered; the worker marks the event delivered a moment later.
    await until('marked delivered', async () =>
      (await eventsOf(stack)).find((row) => row.id === event.id)?.status === 'delivered' ? true : undefined,
    );
    const page = await as(stack, admin).get('/api/v1/admin/events/?status=delivered&limit=100').expect(200);
    const listed = (page.body as { items: Array<{ id: string; attempts: number; attempt_log: unknown[] }> }).items.find(
      (item) => item.id === event.id,
    );
    expect(listed).toMatchObject({
      attempts: 3,
      attempt_log: [
        { status: 503, error: 'the receiver answered 503' },
        { status: 503, error: 'the receiver answered 503' },
        { status: 200, error: null },
      ],
    });
  });

  it('waits as long as Retry-After asks', async () => {
    await settled(stack);
    receiver.script('429:2', 200);
    const user = await createUser(stack);
    const [event] = (await eventsOf(stack, 'user.created')).filter((row) => row.body.includes(user.id));
    await until('delivered', () => deliveredOf(receiver, event.id));
    const seen = receiver.requests.filter((request) => request.id === event.id);
    expect(seen).toHaveLength(2);
    expect(seen[1].at - seen[0].at).toBeGreaterThanOrEqual(1900); // the schedule alone would have waited 0.9-1.1 s
  });

  it('fails an event when the schedule is spent, lists it, and delivers it when an admin asks', async () => {
    await settled(stack);
    receiver.script(500, 500, 500, 500);
    const user = await createUser(stack);
    const [event] = (await eventsOf(stack, 'user.created')).filter((row) => row.body.includes(user.id));
    await until('failed', async () =>
      (await eventsOf(stack)).find((row) => row.id === event.id)?.status === 'failed' ? true : undefined,
    );
    expect(receiver.requests.filter((request) => request.id === event.id)).toHaveLength(4);
    const failed = await as(stack, admin).get('/api/v1/admin/events/?status=failed').expect(200);
    expect((failed.body as { items: Array<{ id: string }> }).items.map((item) => item.id)).toContain(event.id);

    await as(stack, admin).post(`/api/v1/admin/events/${event.id}/redeliver/`, {}).expect(202);
    await until('delivered', () => deliveredOf(receiver, event.id));
    expect(receiver.requests.filter((request) => request.id === event.id)).toHaveLength(5);
  });

  it('is disabled by a 410 until an admin enables it again; nothing is lost meanwhile', async () => {
    await settled(stack);
    receiver.script(410);
    const first = await createUser(stack);
    const [gone] = (await eventsOf(stack, 'user.created')).filter((row) => row.body.includes(first.id));
    await until('the 410', () => receiver.requests.find((request) => request.id === gone.id));
    const later = await Promise.all([createUser(stack), createUser(stack)]);
    const ids = (await eventsOf(stack, 'user.created'))
      .filter((row) => [first, ...later].some((user) => row.body.includes(user.id)))
      .map((row) => row.id);
    expect(ids).toHaveLength(3);
    // Each later event's job was queued at its commit; once the worker has taken it and let it go
    // (the endpoint disabled), the job is gone: no request can follow from it.
    await jobsEnded(stack.api.get<Queue>(getQueueToken(EVENTS_QUEUE), { strict: false }), ids.slice(1));
    for (const id of ids) expect(deliveredOf(receiver, id)).toBeUndefined();
    // Nothing was attempted while disabled: one request, the 410.
    expect(receiver.requests.filter((request) => ids.includes(request.id))).toHaveLength(1);

    const enabled = await as(stack, admin).post('/api/v1/admin/events/endpoint/enable/', {}).expect(200);
    expect(enabled.body).toMatchObject({ enabled: true, disabled_at: null });
    for (const id of ids) await until(`delivery of ${id}`, () => deliveredOf(receiver, id));
  });

  it('keeps its admin API for admins, and answers an unknown event with 404 EVENT_NOT_FOUND', async () => {
    const user = await createUser(stack);
    await as(stack, user).get('/api/v1/admin/events/').expect(403);
    await as(stack, user).post('/api/v1/admin/events/endpoint/enable/', {}).expect(403);
    await as(stack, user).get('/api/v1/referrals/leaderboard/').expect(403);
    await as(stack, admin).post('/api/v1/admin/events/%00/redeliver/', {}).expect(400);
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', 'x'.repeat(100)]) {
      const answer = await as(stack, admin).post(`/api/v1/admin/events/${id}/redeliver/`, {}).expect(404);
      expect(answer.body).toMatchObject({ error: 'EVENT_NOT_FOUND' });
    }
    await as(stack, admin).get('/api/v1/admin/events/?status=lost').expect(400);
  });

  it('pages the admin list by keyset, newest first, with neither gaps nor repeats', async () => {
    await until('everything delivered', async () =>
      (await eventsOf(stack)).every((event) => event.status !== 'pending') ? true : undefined,
    );
    const all = (await eventsOf(stack)).filter((event) => event.status === 'delivered');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = await as(stack, admin).get(`/api/v1/admin/events/?status=delivered&limit=3${query}`).expect(200);
      const body = page.body as { items: Array<{ id: string; created_at: string }>; next_cursor: string | null };
      seen.push(...body.items.map((item) => item.id));
      cursor = body.next_cursor;
    } while (cursor);
    expect(seen.length).toBe(all.length);
    expect(new Set(seen).size).toBe(all.length);
    expect(seen).toEqual([...all].reverse().map((event) => event.id));
  });

  it('keeps the order of events microseconds apart within one millisecond, across pages', async () => {
    // As the referral lifecycle writes them: several events of one transaction, each at clock_timestamp().
    // Ids chosen so that their order is the opposite of their times': only the times may decide.
    const ids = ['f', 'e', 'd', 'c', 'b', 'a'].map((digit) => `${digit.repeat(8)}-0000-4000-8000-${digit.repeat(12)}`);
    await stack.db.query(
      `INSERT INTO events (id, type, body, status, created_at, delivered_at)
       SELECT id, 'user.created', '{}', 'delivered', '2020-01-01 00:00:00.123UTC'::timestamptz + n * interval '100 microseconds', now()
         FROM unnest($1::uuid[]) WITH ORDINALITY AS e(id, n)`,
      [ids],
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = await as(stack, admin).get(`/api/v1/admin/events/?status=delivered&limit=2${query}`).expect(200);
      const body = page.body as { items: Array<{ id: string }>; next_cursor: string | null };
      seen.push(...body.items.map((item) => item.id).filter((id) => ids.includes(id)));
      cursor = body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });
});

describe('an event whose job was never queued', () => {
  it('is delivered by the worker’s sweep (as when the API dies right after the commit)', async () => {
    const receiver = await startReceiver();
    const stack = await eventStack(receiver, {}, false);
    try {
      const users = await Promise.all(Array.from({ length: 5 }, () => createUser(stack)));
      // What the API queued is gone, as if it had died between the commit and the queue.
      await stack.api.get<Queue>(getQueueToken(EVENTS_QUEUE), { strict: false }).obliterate({ force: true });
      const worker = await stack.startWorker();
      const ids = (await eventsOf(stack, 'user.created'))
        .filter((row) => users.some((user) => row.body.includes(user.id)))
        .map((row) => row.id);
      expect(ids).toHaveLength(5);
      // The sweep's next run, now rather than in 5 s (faults/events.fault-spec.ts waits for its schedule).
      expect(await worker.get(EventsSweep).sweep(0)).toBeGreaterThanOrEqual(5);
      for (const id of ids) await until(`delivery of ${id}`, () => deliveredOf(receiver, id), 20_000);
    } finally {
      await stack.close();
      await receiver.close();
    }
  });
});

describe('a receiver down across several attempts', () => {
  it('gets the event when it is back', async () => {
    const receiver = await startReceiver();
    const stack = await eventStack(receiver, { EVENTS_RETRY_SCHEDULE: '1,1,1,1,1,1,1' });
    try {
      await receiver.pause();
      const user = await createUser(stack);
      // Down until three attempts met it closed (one at once, then one a second, ±10%).
      const [event] = (await eventsOf(stack, 'user.created')).filter((row) => row.body.includes(user.id));
      await until(
        'three attempts',
        async () => ((await eventsOf(stack)).find((row) => row.id === event.id)!.attempts >= 3 ? true : undefined),
        15_000,
      );
      await receiver.resume();
      await until('delivered', () => deliveredOf(receiver, event.id), 10_000);
      const row = await until('marked delivered', async () =>
        (await eventsOf(stack)).find((candidate) => candidate.id === event.id && candidate.status === 'delivered'),
      );
      expect(row.attempts).toBeGreaterThanOrEqual(4);
    } finally {
      await stack.close();
      await receiver.close();
    }
  });
});

describe('the leaderboard', () => {
  it('serves the top referrers of 10,000 referrals from the stored counts', async () => {
    const receiver = await startReceiver();
    const stack = await eventStack(receiver, {}, false);
    try {
      const admin = await createUser(stack, ADMIN_PHONE);
      // Three referrers and 10,000 referees, made in SQL; the count trigger keeps referral_counts.
      const referrers = ['lb_first', 'lb_second', 'lb_third'];
      await stack.db.query(
        `INSERT INTO users (id, phone_number, username, referral_code)
         SELECT gen_random_uuid(), '+799980' || lpad(i::text, 5, '0'), name, 'R' || lpad(i::text, 5, '0')
           FROM unnest($1::text[]) WITH ORDINALITY AS r(name, i)`,
        [referrers],
      );
      await stack.db.query(
        `INSERT INTO users (id, phone_number, username, referral_code)
         SELECT gen_random_uuid(), '+799981' || lpad(i::text, 5, '0'), 'lbr_' || i, 'L' || lpad(i::text, 5, '0')
           FROM generate_series(1, 10000) AS i`,
      );
      // 4,000 referrals to the three, and 6,000 more spread over 3,000 of their referees (two each).
      await stack.db.query(
        `UPDATE users u SET referrer_id = r.id, used_referral_code = r.referral_code, referred_at = now()
           FROM users r
          WHERE u.username LIKE 'lbr\\_%' AND substr(u.username, 5)::int <= 4000
            AND r.username = CASE WHEN substr(u.username, 5)::int <= 2000 THEN 'lb_first'
                                  WHEN substr(u.username, 5)::int <= 3200 THEN 'lb_second' ELSE 'lb_third' END`,
      );
      await stack.db.query(
        `UPDATE users u SET referrer_id = r.id, used_referral_code = r.referral_code, referred_at = now()
           FROM users r
          WHERE u.username LIKE 'lbr\\_%' AND substr(u.username, 5)::int > 4000
            AND r.username = 'lbr_' || ((substr(u.username, 5)::int - 4001) % 3000 + 1)`,
      );
      // The activations opened 10,000 pending referrals; the board counts final ones.
      await stack.db.query(
        `UPDATE referrals SET state = 'final', qualified_at = now(), final_due = now(), final_at = now()`,
      );
      const board = await as(stack, admin).get('/api/v1/referrals/leaderboard/?limit=3').expect(200);
      expect((board.body as { items: Array<{ username: string; referrals_count: number }> }).items).toEqual([
        { id: expect.any(String), username: 'lb_first', referrals_count: 2000 },
        { id: expect.any(String), username: 'lb_second', referrals_count: 1200 },
        { id: expect.any(String), username: 'lb_third', referrals_count: 800 },
      ]);
      // A deleted referrer keeps its count row but leaves the board.
      const first = board.body as { items: Array<{ id: string }> };
      await stack.db.query(`UPDATE users SET deleted_at = now(), phone_number = NULL, username = NULL WHERE id = $1`, [
        first.items[0].id,
      ]);
      const after = await as(stack, admin).get('/api/v1/referrals/leaderboard/?limit=3').expect(200);
      expect((after.body as { items: Array<{ username: string; referrals_count: number }> }).items).toEqual([
        { id: expect.any(String), username: 'lb_second', referrals_count: 1200 },
        { id: expect.any(String), username: 'lb_third', referrals_count: 800 },
        { id: expect.any(String), username: expect.stringMatching(/^lbr_/), referrals_count: 2 },
      ]);
      // As autovacuum would have, on a table this size.
      await stack.db.query('ANALYZE users');
      await stack.db.query('ANALYZE referral_counts');
      const leaders = `WITH top AS (SELECT user_id, final AS referrals FROM referral_counts WHERE final > 0
           ORDER BY final DESC, user_id LIMIT 30)
         SELECT u.id, u.username, t.referrals FROM top t JOIN users u ON u.id = t.user_id AND u.deleted_at IS NULL
          ORDER BY t.referrals DESC, t.user_id LIMIT 10`;
      const plan = (await stack.db.query<Array<{ 'QUERY PLAN': string }>>(`EXPLAIN ${leaders}`))
        .map((row) => row['QUERY PLAN'])
        .join('\n');
      // The referrals themselves (users by referrer) are never read: referral_counts, and users by primary key.
      expect(plan).not.toMatch(/users_referrals_idx|Seq Scan on users/);
      expect(plan).toContain('users_pkey');
      expect(plan).toMatch(/on referral_counts/);
      const [{ count }] = await stack.db.query<Array<{ count: number }>>(
        `SELECT count(*)::int AS count FROM referrals r JOIN users e ON e.id = r.referee_id
          WHERE e.username LIKE 'lbr\\_%' AND r.state = 'final'`,
      );
      expect(count).toBe(10_000);
      // The stored counts agree with the referrals, for every inviter.
      const [{ drift }] = await stack.db.query<Array<{ drift: number }>>(
        `SELECT count(*)::int AS drift FROM referral_counts c
          WHERE c.final <> (SELECT count(*) FROM referrals r WHERE r.referrer_id = c.user_id AND r.state = 'final')`,
      );
      expect(drift).toBe(0);
    } finally {
      await stack.close();
      await receiver.close();
    }
  });
});

/** SPEC section 11: a deleted user's phone and username leave every event not yet delivered. */
describe('a user deleted before their events were delivered', () => {
  it('is erased from each undelivered body, on their side only, and the host gets the erased bodies, signed', async () => {
    const receiver = await startReceiver();
    // No worker yet: every event stays pending.
    const stack = await eventStack(receiver, {}, false);
    try {
      const inviter = await createUser(stack, nextPhone(), 'er_inviter');
      const friend = await createUser(stack, nextPhone(), 'er_friend');
      const invited = await createUser(stack, nextPhone(), 'er_invited');
      await as(stack, friend).patch('/api/v1/users/me/', { used_referral_code: inviter.referralCode }).expect(200);
      await as(stack, invited).patch('/api/v1/users/me/', { used_referral_code: friend.referralCode }).expect(200);
      await as(stack, friend).delete('/api/v1/users/me/').expect(204);

      // This test's events (the file's earlier ones were delivered).
      const rows = (await eventsOf(stack)).filter((row) =>
        [inviter, friend, invited].some((user) => row.body.includes(user.id)),
      );
      expect(rows.map((row) => row.type).sort()).toEqual([
        'referral.activated',
        'referral.activated',
        'referral.finalized',
        'referral.finalized',
        'referral.qualified',
        'referral.qualified',
        'user.created',
        'user.created',
        'user.created',
        'user.deleted',
      ]);
      expect(rows.every((row) => row.status === 'pending')).toBe(true);
      const text = rows.map((row) => row.body).join('\n');
      expect(text).not.toContain(friend.phone);
      expect(text).not.toContain('er_friend');
      // Everyone else is as they were.
      for (const kept of [inviter.phone, invited.phone, 'er_inviter', 'er_invited']) expect(text).toContain(kept);

      await stack.startWorker();
      const got = (id: string) => until(`delivery of ${id}`, () => deliveredOf(receiver, id), 15_000);
      const payloads = new Map<string, unknown>();
      for (const row of rows) payloads.set(row.id, (await got(row.id)).payload);
      const ofType = (type: string) => rows.filter((row) => row.type === type).map((row) => payloads.get(row.id));
      expect(ofType('user.created')).toContainEqual(
        expect.objectContaining({
          data: expect.objectContaining({ id: friend.id, username: null, phone_number: null }),
        }),
      );
      expect(ofType('referral.activated')).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            data: expect.objectContaining({
              referrer: { id: inviter.id, username: 'er_inviter' },
              referee: { id: friend.id, username: null },
            }),
          }),
          expect.objectContaining({
            data: expect.objectContaining({
              referrer: { id: friend.id, username: null },
              referee: { id: invited.id, username: 'er_invited' },
            }),
          }),
        ]),
      );
      expect(ofType('user.deleted')).toEqual([
        {
          type: 'user.deleted',
          timestamp: expect.any(String),
          data: { id: friend.id, deleted_at: expect.any(String) },
        },
      ]);
      // What the admin's list serves is the erased body too.
      const admin = await createUser(stack, ADMIN_PHONE);
      const listed = await as(stack, admin).get('/api/v1/admin/events/?status=delivered&limit=100').expect(200);
      expect(JSON.stringify(listed.body)).not.toContain(friend.phone);
    } finally {
      await stack.close();
      await receiver.close();
    }
  });
});
