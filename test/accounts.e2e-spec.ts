import { setTimeout as sleep } from 'node:timers/promises';
import { createUser, type TestUser } from './support/factory.js';
import { keysCommand } from './support/processes.js';
import { as, inbox, nextPhone, skipCooldown, startStack, waitForCode, type Stack } from './support/stack.js';

const ADMIN_PHONE = '+79990066666';
const ANDROID =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

/** A sign-in through the API from a device (its User-Agent): the session the person will see listed. */
async function signInFrom(stack: Stack, phone: string, userAgent: string) {
  const seen = (await inbox(stack, phone)).length;
  await skipCooldown(stack, phone);
  await stack.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
  const code = await waitForCode(stack, phone, seen);
  const answer = await stack
    .http()
    .post('/api/v1/auth/code/')
    .set('User-Agent', userAgent)
    .send({ phone_number: phone, code })
    .expect(200);
  return { token: answer.body.token as string, refreshToken: answer.body.refresh_token as string };
}

const refresh = (stack: Stack, refreshToken: string) =>
  stack.http().post('/api/v1/auth/refresh/').send({ refresh_token: refreshToken });

/** SPEC section 12: sessions per device. */
describe('sessions', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  it('lists where a person is signed in, marks this device, and ends one, then every other, at once', async () => {
    const phone = nextPhone();
    const android = await signInFrom(stack, phone, ANDROID);
    const iphone = await signInFrom(stack, phone, IPHONE);
    const laptop = await signInFrom(stack, phone, 'okhttp/4.12.0');
    const listed = await as(stack, android).get('/api/v1/users/me/sessions/').expect(200);
    expect(listed.headers['cache-control']).toBe('no-store');
    const items = listed.body.items as Array<{ id: string; device: string; current: boolean; ip_address: string }>;
    expect(items.map((item) => item.device).sort()).toEqual(
      ['Chrome 131.0 on Android 14', 'Safari 17.5 on iOS 17.5', 'okhttp 4.12'].sort(),
    );
    expect(items.filter((item) => item.current).map((item) => item.device)).toEqual(['Chrome 131.0 on Android 14']);
    expect(items.every((item) => item.ip_address === '127.0.0.1')).toBe(true);

    // The lost iPhone: ended from the Android phone; its access token stops now, its refresh token too.
    const iphoneSession = items.find((item) => item.device.startsWith('Safari'))!;
    await as(stack, android).delete(`/api/v1/users/me/sessions/${iphoneSession.id}/`).expect(204);
    await as(stack, iphone).get('/api/v1/users/me/').expect(401);
    expect((await refresh(stack, iphone.refreshToken).expect(401)).body.error).toBe('INVALID_REFRESH_TOKEN');
    // Ended already, unknown, or not a session id at all: the same 404, nothing changes.
    for (const id of [iphoneSession.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      expect((await as(stack, android).delete(`/api/v1/users/me/sessions/${id}/`).expect(404)).body.error).toBe(
        'SESSION_NOT_FOUND',
      );
    }

    // Someone else's session is not this person's to end.
    const stranger = await createUser(stack);
    const strangerSessions = await as(stack, stranger).get('/api/v1/users/me/sessions/').expect(200);
    await as(stack, android).delete(`/api/v1/users/me/sessions/${strangerSessions.body.items[0].id}/`).expect(404);
    await as(stack, stranger).get('/api/v1/users/me/').expect(200);

    const ended = await as(stack, android).post('/api/v1/users/me/sessions/revoke-others/', {}).expect(200);
    expect(ended.body).toEqual({ ended: 1 });
    await as(stack, laptop).get('/api/v1/users/me/').expect(401);
    // The legitimate device goes on: its token works and its refresh rotates.
    await as(stack, android).get('/api/v1/users/me/').expect(200);
    const refreshed = await refresh(stack, android.refreshToken).expect(200);
    const after = await as(stack, { token: refreshed.body.token }).get('/api/v1/users/me/sessions/').expect(200);
    expect(after.body.items).toHaveLength(1);
    expect(after.body.items[0]).toMatchObject({ current: true, device: 'Chrome 131.0 on Android 14' });
    expect(Date.parse(after.body.items[0].last_used_at)).toBeGreaterThanOrEqual(
      Date.parse(after.body.items[0].created_at),
    );
  });

  it('ends this session too when asked: a sign-out', async () => {
    const user = await createUser(stack);
    const [{ id }] = (await as(stack, user).get('/api/v1/users/me/sessions/').expect(200)).body.items;
    await as(stack, user).delete(`/api/v1/users/me/sessions/${id}/`).expect(204);
    await as(stack, user).get('/api/v1/users/me/sessions/').expect(401);
  });

  it('keeps the address a load balancer gives (TRUST_PROXY=1), never what the client wrote before it', async () => {
    const behind = await startStack({ env: { TRUST_PROXY: '1' } });
    try {
      const phone = nextPhone();
      await behind.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
      const code = await waitForCode(behind, phone);
      // Two clients behind one balancer; each writes a forged address to the left of the one it appended.
      const signedIn = await behind
        .http()
        .post('/api/v1/auth/code/')
        .set('X-Forwarded-For', '10.9.9.9, 203.0.113.7')
        .send({ phone_number: phone, code })
        .expect(200);
      const listed = async (token: string) =>
        (await as(behind, { token }).get('/api/v1/users/me/sessions/').expect(200)).body.items[0].ip_address;
      expect(await listed(signedIn.body.token)).toBe('203.0.113.7');
      const refreshed = await refresh(behind, signedIn.body.refresh_token)
        .set('X-Forwarded-For', '10.9.9.9, 198.51.100.23')
        .expect(200);
      expect(await listed(refreshed.body.token)).toBe('198.51.100.23');
    } finally {
      await behind.close();
    }
  });

  it('signs in a person whose forwarded address is not an address (a proxy trusted too far), keeping none', async () => {
    const loose = await startStack({ env: { TRUST_PROXY: 'true' } });
    try {
      const phone = nextPhone();
      await loose.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
      const code = await waitForCode(loose, phone);
      const signedIn = await loose
        .http()
        .post('/api/v1/auth/code/')
        .set('X-Forwarded-For', `not-an-address-${'x'.repeat(200)}`)
        .send({ phone_number: phone, code })
        .expect(200);
      const listed = await as(loose, { token: signedIn.body.token }).get('/api/v1/users/me/sessions/').expect(200);
      expect(listed.body.items[0].ip_address).toBeNull();
    } finally {
      await loose.close();
    }
  });

  it('has an absolute lifetime: no refresh after it, however recently the session was used', async () => {
    const short = await startStack({ worker: false, env: { SESSION_MAX_AGE_SECONDS: '3' } });
    try {
      const user = await createUser(short);
      const first = await refresh(short, user.refreshToken).expect(200);
      await sleep(1_500);
      const second = await refresh(short, first.body.refresh_token).expect(200);
      await sleep(1_800);
      const refused = await refresh(short, second.body.refresh_token).expect(401);
      expect(refused.body.error).toBe('INVALID_REFRESH_TOKEN');
      // Ended: its last access token stops too.
      await as(short, { token: second.body.token }).get('/api/v1/users/me/').expect(401);
    } finally {
      await short.close();
    }
  });
});

/** SPEC section 12: the host backend's keys. */
describe('API keys', () => {
  let stack: Stack;
  let admin: TestUser;
  beforeAll(async () => {
    stack = await startStack({ worker: false, env: { ADMIN_PHONE_NUMBERS: ADMIN_PHONE } });
    admin = await createUser(stack, ADMIN_PHONE);
  });
  afterAll(async () => {
    await stack.close();
  });
  const withKey = (key: string) => ({
    get: (path: string) => stack.http().get(path).set('Authorization', `Bearer ${key}`),
  });

  it('are made by an admin, shown once, stored hashed, scoped, and revocable at once', async () => {
    const made = await as(stack, admin)
      .post('/api/v1/admin/api-keys/', { name: 'billing backend', scopes: ['users:read'] })
      .expect(201);
    expect(made.headers['cache-control']).toBe('no-store');
    const key = made.body.key as string;
    expect(key).toMatch(/^rfk_[0-9a-f]{16}_[\w-]{43}$/);
    expect(made.body).toMatchObject({
      name: 'billing backend',
      scopes: ['users:read'],
      created_by: `admin:${admin.id}`,
    });
    // Listed without its secret; PostgreSQL keeps a hash, not the key.
    const listed = await as(stack, admin).get('/api/v1/admin/api-keys/').expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(key.slice(21));
    const [stored] = await stack.db.query<Array<{ secret_hash: Buffer }>>(
      'SELECT secret_hash FROM api_keys WHERE id = $1',
      [made.body.id],
    );
    expect(stored.secret_hash.toString('latin1')).not.toContain(key.slice(21));

    // The scope's routes, as an admin would; nothing else.
    const users = await withKey(key).get('/api/v1/users/').expect(200);
    expect(Array.isArray(users.body.items)).toBe(true);
    await withKey(key).get(`/api/v1/users/${admin.username}/`).expect(200);
    const [{ last_used_at }] = (await as(stack, admin).get('/api/v1/admin/api-keys/').expect(200)).body.items.filter(
      (item: { id: string }) => item.id === made.body.id,
    );
    expect(last_used_at).not.toBeNull();
    for (const [path, message] of [
      ['/api/v1/admin/events/', /lacks the scope events:admin/],
      ['/api/v1/users/me/', /for a signed-in person/],
      ['/api/v1/users/me/sessions/', /for a signed-in person/],
      ['/api/v1/admin/api-keys/', /for a signed-in person/],
    ] as const) {
      const refused = await withKey(key).get(path).expect(403);
      expect({ path, error: refused.body.error, message: refused.body.message }).toEqual({
        path,
        error: 'FORBIDDEN',
        message: expect.stringMatching(message),
      });
    }
    await stack.http().delete(`/api/v1/users/${admin.username}/`).set('Authorization', `Bearer ${key}`).expect(403);

    await as(stack, admin).delete(`/api/v1/admin/api-keys/${made.body.id}/`).expect(204);
    expect((await withKey(key).get('/api/v1/users/').expect(401)).body.error).toBe('UNAUTHORIZED');
    await as(stack, admin).delete(`/api/v1/admin/api-keys/${made.body.id}/`).expect(404);
  });

  it('refuse an altered, unknown, or outsized key with 401, and a person who is not an admin with 403', async () => {
    const made = await as(stack, admin)
      .post('/api/v1/admin/api-keys/', { name: 'reader', scopes: ['users:read', 'events:admin'] })
      .expect(201);
    const key = made.body.key as string;
    const altered = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [altered, `rfk_${'0'.repeat(16)}_${'A'.repeat(43)}`, `rfk_${'x'.repeat(6000)}`, 'rfk_'])
      expect((await withKey(bad).get('/api/v1/users/').expect(401)).body.error).toBe('UNAUTHORIZED');
    await withKey(key).get('/api/v1/admin/events/').expect(200);

    const person = await createUser(stack);
    await as(stack, person).get('/api/v1/admin/api-keys/').expect(403);
    await as(stack, person)
      .post('/api/v1/admin/api-keys/', { name: 'mine', scopes: ['users:read'] })
      .expect(403);
    for (const body of [
      { name: 'x', scopes: ['root'] },
      { name: '', scopes: ['users:read'] },
      { name: 'x', scopes: [] },
      { name: 'a\u0000b', scopes: ['users:read'] },
    ]) {
      expect((await as(stack, admin).post('/api/v1/admin/api-keys/', body).expect(400)).body.error).toBe(
        'VALIDATION_FAILED',
      );
    }
  });

  it('are made from a shell by `npm run api-keys -- create`, and revoked by `revoke`', async () => {
    const run = (...args: string[]) => keysCommand('api-keys', args);
    const made = await run('create', '--name', 'reporting', '--scopes', 'users:read');
    const key = /^(rfk_\S+)$/m.exec(made)![1];
    const id = /^made API key ([0-9a-f-]{36})/.exec(made)![1];
    await withKey(key).get('/api/v1/users/').expect(200);
    expect(await run('list')).toContain(`${id}  rfk_${key.slice(4, 20)}_…  reporting  [users:read]`);
    expect(await run('revoke', id)).toBe(`revoked ${id}`);
    await withKey(key).get('/api/v1/users/').expect(401);
    await expect(run('create', '--name', 'x', '--scopes', 'root')).rejects.toThrow(/unknown scope root/);
  });
});

/** SPEC section 12: moving an account to another number. */
describe('changing the phone number', () => {
  let stack: Stack;
  let admin: TestUser;
  beforeAll(async () => {
    stack = await startStack({ env: { ADMIN_PHONE_NUMBERS: ADMIN_PHONE } });
    admin = await createUser(stack, ADMIN_PHONE);
  });
  afterAll(async () => {
    await stack.close();
  });

  /** Asks for a code to the new number as the person, and reads it from the new phone's inbox. */
  async function codeFor(user: { token: string }, phone: string): Promise<string> {
    const seen = (await inbox(stack, phone)).length;
    await as(stack, user).post('/api/v1/users/me/phone/', { phone_number: phone }).expect(202);
    return waitForCode(stack, phone, seen);
  }

  it('moves the account: the new number signs in to it, other sessions end, the old number is free, ids only in the event', async () => {
    const user = await createUser(stack);
    const otherDevice = await createUser(stack, user.phone);
    const newPhone = nextPhone();
    const code = await codeFor(user, newPhone);
    // Its own words (in Russian: the number is Russian): not a sign-in code, which a person might read out.
    expect((await inbox(stack, newPhone))[0].text).toMatch(/^Код \d{4} переносит аккаунт на этот номер\./);
    // The code opens no sign-in to the new number (it would make a new account there): a wrong code there.
    const signInWithIt = await stack
      .http()
      .post('/api/v1/auth/code/')
      .send({ phone_number: newPhone, code })
      .expect(400);
    expect(signInWithIt.body.error).toBe('INVALID_CODE');
    const moved = await as(stack, user)
      .post('/api/v1/users/me/phone/confirm/', { phone_number: newPhone, code })
      .expect(200);
    expect(moved.body).toMatchObject({ id: user.id, phone_number: newPhone, referral_code: user.referralCode });
    await as(stack, user).get('/api/v1/users/me/').expect(200);
    await as(stack, otherDevice).get('/api/v1/users/me/').expect(401);

    const [event] = await stack.db.query<Array<{ body: string }>>(
      `SELECT body FROM events WHERE type = 'user.phone_changed' AND body::jsonb->'data'->>'id' = $1`,
      [user.id],
    );
    expect(Object.keys(JSON.parse(event.body).data).sort()).toEqual(['changed_at', 'id']);

    // The new number signs in to the same account; the old one makes a new account.
    const again = await signInNumber(stack, newPhone);
    expect(again.is_new_user).toBe(false);
    const fresh = await signInNumber(stack, user.phone);
    expect(fresh.is_new_user).toBe(true);
  });

  it('keeps the sign-in rules: a sign-in code moves nothing, the same number is refused, the cooldown holds', async () => {
    const user = await createUser(stack);
    const newPhone = nextPhone();
    // A sign-in code of the new number (its holder asked for one) does not move anyone to it.
    await stack.http().post('/api/v1/auth/signup/').send({ phone_number: newPhone }).expect(202);
    const signInCode = await waitForCode(stack, newPhone);
    const refused = await as(stack, user)
      .post('/api/v1/users/me/phone/confirm/', { phone_number: newPhone, code: signInCode })
      .expect(400);
    expect(refused.body.error).toBe('INVALID_CODE');
    expect((await as(stack, user).get('/api/v1/users/me/').expect(200)).body.phone_number).toBe(user.phone);

    const same = await as(stack, user).post('/api/v1/users/me/phone/', { phone_number: user.phone }).expect(400);
    expect(same.body.error).toBe('VALIDATION_FAILED');
    await as(stack, user).post('/api/v1/users/me/phone/', { phone_number: 'not a number' }).expect(400);
    // One code a minute to a number, whoever asks.
    await skipCooldown(stack, newPhone);
    await as(stack, user).post('/api/v1/users/me/phone/', { phone_number: newPhone }).expect(202);
    expect(
      (await as(stack, user).post('/api/v1/users/me/phone/', { phone_number: newPhone }).expect(429)).body.error,
    ).toBe('RATE_LIMITED');
  });

  it('keeps a number that was counted as a referral counted after its account moves away', async () => {
    const inviter = await createUser(stack);
    const invited = await createUser(stack);
    await as(stack, invited).patch('/api/v1/users/me/', { used_referral_code: inviter.referralCode }).expect(200);
    // As a referral made before the memory of referred phones was written at activation.
    await stack.db.query('DELETE FROM referred_phones');
    const newPhone = nextPhone();
    await as(stack, invited)
      .post('/api/v1/users/me/phone/confirm/', { phone_number: newPhone, code: await codeFor(invited, newPhone) })
      .expect(200);
    // A new account on the number left behind is not counted again.
    const returning = await createUser(stack, invited.phone);
    const refused = await as(stack, returning)
      .patch('/api/v1/users/me/', { used_referral_code: inviter.referralCode })
      .expect(409);
    expect(refused.body.error).toBe('REFERRAL_ALREADY_ACTIVATED');
  });

  it('needs a recent sign-in', async () => {
    const strict = await startStack({ worker: false, env: { PHONE_CHANGE_REAUTH_SECONDS: '1' } });
    try {
      const user = await createUser(strict);
      await sleep(1_200);
      const refused = await as(strict, user).post('/api/v1/users/me/phone/', { phone_number: nextPhone() }).expect(403);
      expect(refused.body.error).toBe('REAUTHENTICATION_REQUIRED');
      // A refresh is no sign-in; a new sign-in is.
      const refreshed = await refresh(strict, user.refreshToken).expect(200);
      await as(strict, { token: refreshed.body.token })
        .post('/api/v1/users/me/phone/', { phone_number: nextPhone() })
        .expect(403);
      const again = await createUser(strict, user.phone);
      await as(strict, again).post('/api/v1/users/me/phone/', { phone_number: nextPhone() }).expect(202);
    } finally {
      await strict.close();
    }
  });

  it('gives a number raced for to one account: the other gets PHONE_NUMBER_TAKEN', async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < 6; round++) {
      const user = await createUser(stack);
      const contested = nextPhone();
      const code = await codeFor(user, contested);
      const [move, create] = await Promise.all([
        as(stack, user).post('/api/v1/users/me/phone/confirm/', { phone_number: contested, code }),
        as(stack, admin).post('/api/v1/users/', { phone_number: contested }),
      ]);
      const statuses = [move.status, create.status].sort();
      expect(statuses[0] === 200 || statuses[0] === 201).toBe(true);
      expect(statuses[1]).toBe(409);
      const loser = move.status === 409 ? move : create;
      expect(loser.body.error).toBe('PHONE_NUMBER_TAKEN');
      outcomes.push(move.status === 200 ? 'moved' : 'created');
      const [{ count }] = await stack.db.query<Array<{ count: number }>>(
        'SELECT count(*)::int AS count FROM users WHERE phone_number = $1 AND deleted_at IS NULL',
        [contested],
      );
      expect(count).toBe(1);
    }
    console.log(`a number raced for, 6 rounds: ${outcomes.join(', ')}`);
  });
});

async function signInNumber(stack: Stack, phone: string): Promise<{ is_new_user: boolean }> {
  await skipCooldown(stack, phone);
  const seen = (await inbox(stack, phone)).length;
  await stack.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
  const code = await waitForCode(stack, phone, seen);
  return (await stack.http().post('/api/v1/auth/code/').send({ phone_number: phone, code }).expect(200)).body;
}
