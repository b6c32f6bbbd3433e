import { createUser } from './support/factory.js';
import { as, nextPhone, signIn, startStack, type SignedIn, type Stack } from './support/stack.js';

const ADMIN_PHONE = '+79990077777';

describe('the users resource', () => {
  let stack: Stack;
  let admin: SignedIn;
  let alice: SignedIn;

  beforeAll(async () => {
    stack = await startStack({ env: { ADMIN_PHONE_NUMBERS: ADMIN_PHONE } });
    admin = await createUser(stack, ADMIN_PHONE, 'the_admin');
    alice = await createUser(stack, nextPhone(), 'alice');
    await createUser(stack, nextPhone(), 'bob');
  });
  afterAll(async () => {
    await stack.close();
  });

  const snapshot = () =>
    stack.db.query(
      `SELECT id, phone_number, username, referral_code, used_referral_code, referrer_id, deleted_at
         FROM users ORDER BY id`,
    );

  describe('object-level authorization', () => {
    it('lets a user read themself by username, in any case, and as "me"', async () => {
      const byName = await as(stack, alice).get('/api/v1/users/ALICE/').expect(200);
      const byMe = await as(stack, alice).get('/api/v1/users/me').expect(200);
      expect(byName.body).toEqual(byMe.body);
      expect(byName.body).toMatchObject({ username: 'alice', phone_number: alice.phone });
    });

    it.each([
      ['GET', (u: SignedIn) => as(stack, u).get('/api/v1/users/bob/')],
      ['GET referrals', (u: SignedIn) => as(stack, u).get('/api/v1/users/bob/referrals/')],
      ['PATCH', (u: SignedIn) => as(stack, u).patch('/api/v1/users/bob/', { username: 'hijacked' })],
      ['PUT', (u: SignedIn) => as(stack, u).put('/api/v1/users/bob/', { username: 'hijacked' })],
      ['DELETE', (u: SignedIn) => as(stack, u).delete('/api/v1/users/bob/')],
      ['GET the list', (u: SignedIn) => as(stack, u).get('/api/v1/users/')],
      ['POST', (u: SignedIn) => as(stack, u).post('/api/v1/users/', { phone_number: nextPhone() })],
    ])('answers another user’s %s with 403 and changes nothing', async (_case, send) => {
      const before = await snapshot();
      const response = await send(alice).expect(403);
      expect(response.body.error).toBe('FORBIDDEN');
      expect(await snapshot()).toEqual(before);
    });

    it('answers 403 for a username that does not exist too, so names cannot be probed', async () => {
      await as(stack, alice).get('/api/v1/users/nobody_here/').expect(403);
    });

    it.each([
      ['GET', () => stack.http().get('/api/v1/users/bob/')],
      ['PATCH', () => stack.http().patch('/api/v1/users/bob/').send({ username: 'x_x_x' })],
      ['PUT', () => stack.http().put('/api/v1/users/bob/').send({ username: 'x_x_x' })],
      ['DELETE', () => stack.http().delete('/api/v1/users/bob/')],
      ['GET the list', () => stack.http().get('/api/v1/users/')],
      ['POST', () => stack.http().post('/api/v1/users/').send({ phone_number: nextPhone() })],
    ])('answers %s without a token with 401 and changes nothing', async (_case, send) => {
      const before = await snapshot();
      const response = await send().expect(401);
      expect(response.body.error).toBe('UNAUTHORIZED');
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('admins (ADMIN_PHONE_NUMBERS)', () => {
    it('read and change any user', async () => {
      const target = await createUser(stack, nextPhone(), 'managed_one');
      await as(stack, admin).get('/api/v1/users/managed_one/').expect(200);
      const renamed = await as(stack, admin)
        .patch('/api/v1/users/managed_one/', { username: 'managed_two' })
        .expect(200);
      expect(renamed.body.username).toBe('managed_two');
      await as(stack, admin).delete('/api/v1/users/managed_two/').expect(204);
      await as(stack, target).get('/api/v1/users/me/').expect(401);
      const missing = await as(stack, admin).get('/api/v1/users/managed_two/').expect(404);
      expect(missing.body.error).toBe('USER_NOT_FOUND');
    });

    it('create users, who get an invite code like anyone', async () => {
      const phone = nextPhone();
      const created = await as(stack, admin)
        .post('/api/v1/users/', { phone_number: phone, username: 'made_by_admin' })
        .expect(201);
      expect(created.body).toMatchObject({
        phone_number: phone,
        username: 'made_by_admin',
        referral_code: expect.stringMatching(/^[A-Z2-9]{6}$/),
        used_referral_code: null,
        referrals_count: 0,
        referral_users_list: [],
      });
      // The person can sign in later and finds the same user.
      const later = await signIn(stack, phone);
      expect(later.isNewUser).toBe(false);
      expect(later.referralCode).toBe(created.body.referral_code);
    });

    it('get 409 for a phone that already has a user, and for a taken username', async () => {
      const phoneTaken = await as(stack, admin).post('/api/v1/users/', { phone_number: alice.phone }).expect(409);
      expect(phoneTaken.body.error).toBe('PHONE_NUMBER_TAKEN');
      const nameTaken = await as(stack, admin)
        .post('/api/v1/users/', { phone_number: nextPhone(), username: 'Alice' })
        .expect(409);
      expect(nameTaken.body.error).toBe('USERNAME_TAKEN');
      const invalid = await as(stack, admin).post('/api/v1/users/', { phone_number: '+74951234567' }).expect(400);
      expect(invalid.body.error).toBe('INVALID_PHONE_NUMBER');
    });

    it('list users newest first, without a gap or a repeat while users are added between pages', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let added = false;
      do {
        const response: { body: { items: Array<{ id: string }>; next_cursor: string | null } } = await as(stack, admin)
          .get('/api/v1/users/')
          .query(cursor ? { limit: 2, cursor } : { limit: 2 })
          .expect(200);
        seen.push(...response.body.items.map((user: { id: string }) => user.id));
        cursor = response.body.next_cursor;
        if (!added) {
          await as(stack, admin).post('/api/v1/users/', { phone_number: nextPhone() }).expect(201);
          added = true;
        }
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      const live = await stack.db.query(
        `SELECT id FROM users WHERE deleted_at IS NULL ORDER BY created_at DESC, id DESC`,
      );
      const ids = live.map((row: { id: string }) => row.id);
      // Everyone who existed when the listing began was listed, in order; the newcomer came after it began.
      expect(seen).toEqual(ids.slice(1));
    });
  });

  describe('changing a user', () => {
    it('renames, and refuses a taken name (any case) with 409 USERNAME_TAKEN', async () => {
      const user = await createUser(stack, nextPhone(), 'renamer');
      const renamed = await as(stack, user).patch('/api/v1/users/me/', { username: 'Renamed.One' }).expect(200);
      expect(renamed.body.username).toBe('Renamed.One');
      const taken = await as(stack, user).patch('/api/v1/users/me/', { username: 'BOB' }).expect(409);
      expect(taken.body.error).toBe('USERNAME_TAKEN');
    });

    it.each(['me', 'ME', 'ab', 'a'.repeat(26), 'white space', 'ünïcode'])(
      'refuses the username %j with 400',
      async (username) => {
        const response = await as(stack, alice).patch('/api/v1/users/me/', { username }).expect(400);
        expect(response.body.error).toBe('VALIDATION_FAILED');
      },
    );

    it('changes nothing when the activation in the same request is refused', async () => {
      const user = await createUser(stack, nextPhone(), 'atomic_one');
      await as(stack, user)
        .patch('/api/v1/users/me/', { username: 'atomic_two', used_referral_code: 'ZZZZZZ' })
        .expect(422);
      expect((await as(stack, user).get('/api/v1/users/me/').expect(200)).body.username).toBe('atomic_one');
    });

    it('activates through PUT as through PATCH, with the username required', async () => {
      const owner = await createUser(stack);
      const user = await createUser(stack, nextPhone(), 'putter');
      const missing = await as(stack, user)
        .put('/api/v1/users/me/', { used_referral_code: owner.referralCode })
        .expect(400);
      expect(missing.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'username' })]));
      const put = await as(stack, user)
        .put('/api/v1/users/me/', { username: 'putter', used_referral_code: owner.referralCode })
        .expect(200);
      expect(put.body.used_referral_code).toBe(owner.referralCode);
    });

    it.each([
      ['phone_number', { phone_number: '+79990000123' }],
      ['referral_code', { referral_code: 'AAAAAA' }],
      ['id', { id: '00000000-0000-4000-8000-000000000000' }],
      ['role', { role: 'admin' }],
      ['is_admin', { is_admin: true }],
      ['referral_users_list', { referral_users_list: [] }],
      ['referrals_count', { referrals_count: 1000 }],
      ['created_at', { created_at: '2000-01-01T00:00:00Z' }],
      ['an unknown field with a valid one', { username: 'sneaky_one', favourite: 'colour' }],
    ])('refuses %s with 400 and changes nothing (mass assignment)', async (_case, body) => {
      const before = await snapshot();
      for (const send of [as(stack, alice).patch, as(stack, alice).put]) {
        const response = await send('/api/v1/users/me/', { username: 'alice', ...body }).expect(400);
        expect(response.body.error).toBe('VALIDATION_FAILED');
      }
      expect(await snapshot()).toEqual(before);
    });

    it.each([
      ['PATCH', 'username', { username: null }],
      ['PATCH', 'used_referral_code', { used_referral_code: null }],
      ['PUT', 'username', { username: null }],
      ['PUT', 'used_referral_code', { username: 'alice', used_referral_code: null }],
    ])('refuses %s with %s null with 400 (nothing can be unset) and changes nothing', async (method, field, body) => {
      const before = await snapshot();
      const client = as(stack, alice);
      const send = method === 'PATCH' ? client.patch : client.put;
      const response = await send('/api/v1/users/me/', body).expect(400);
      expect(response.body.error).toBe('VALIDATION_FAILED');
      expect(response.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expect(await snapshot()).toEqual(before);
    });

    it('refuses a __proto__ key with 400 and changes nothing', async () => {
      const before = await snapshot();
      const response = await stack
        .http()
        .patch('/api/v1/users/me/')
        .set('Authorization', `Bearer ${alice.token}`)
        .set('Content-Type', 'application/json')
        .send('{"username":"alice","__proto__":{"is_admin":true}}')
        .expect(400);
      expect(response.body.error).toBe('VALIDATION_FAILED');
      expect(await snapshot()).toEqual(before);
      await as(stack, alice).get('/api/v1/users/').expect(403);
    });
  });

  describe('deleting a user', () => {
    it('ends their tokens at once; invitees keep the code; the code is not activatable', async () => {
      const owner = await createUser(stack, nextPhone(), 'leaving_owner');
      const invitee = await createUser(stack);
      await as(stack, invitee).patch('/api/v1/users/me/', { used_referral_code: owner.referralCode }).expect(200);

      await as(stack, owner).delete('/api/v1/users/leaving_owner/').expect(204);
      await as(stack, owner).get('/api/v1/users/me/').expect(401);
      await stack.http().post('/api/v1/auth/refresh/').send({ refresh_token: owner.refreshToken }).expect(401);

      const kept = await as(stack, invitee).get('/api/v1/users/me/').expect(200);
      expect(kept.body.used_referral_code).toBe(owner.referralCode);
      const newcomer = await createUser(stack);
      const refused = await as(stack, newcomer)
        .patch('/api/v1/users/me/', { used_referral_code: owner.referralCode })
        .expect(422);
      expect(refused.body.error).toBe('REFERRAL_CODE_NOT_FOUND');
      // The username is free again.
      await as(stack, newcomer).patch('/api/v1/users/me/', { username: 'leaving_owner' }).expect(200);
    });
  });
});
