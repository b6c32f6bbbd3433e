import { createUser } from './support/factory.js';
import {
  as,
  inbox,
  nextPhone,
  requestCode,
  signIn,
  skipCooldown,
  startStack,
  type SignedIn,
  type Stack,
} from './support/stack.js';

/** SPEC section 11, from outside: each rule as an attacker meets it, and the legitimate user it must not lock out. */
const ADMIN = '+79990000001';
const wrongFor = (code: string) => (code === '0000' ? '0001' : '0000');

describe('defences', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ env: { ADMIN_PHONE_NUMBERS: ADMIN } });
  });
  afterAll(async () => {
    await stack.close();
  });

  const signup = (phone: string, username?: string) =>
    stack
      .http()
      .post('/api/v1/auth/signup/')
      .send(username === undefined ? { phone_number: phone } : { phone_number: phone, username });
  const verify = (phone: string, code: string) =>
    stack.http().post('/api/v1/auth/code/').send({ phone_number: phone, code });
  const codeRows = async (phone: string) =>
    (
      await stack.db.query<Array<{ status: string }>>(
        `SELECT status FROM code_requests WHERE phone_number = $1 ORDER BY created_at`,
        [phone],
      )
    ).map((row) => row.status);
  /** Moves the phone's past codes an hour back, past the cooldown and the hourly cap, as time would. */
  const forgetCodes = (phone: string) =>
    stack.db.query(`UPDATE code_requests SET created_at = created_at - interval '61 minutes' WHERE phone_number = $1`, [
      phone,
    ]);
  /** Runs a phone's current lock out, as time would. */
  const endLock = (phone: string) =>
    stack.db.query(`UPDATE sign_in_attempts SET locked_until = now() - interval '1 second' WHERE phone_number = $1`, [
      phone,
    ]);
  /** Ten wrong codes in a row over two live codes: the run that locks. */
  const tenWrong = async (phone: string) => {
    const answers: number[] = [];
    for (let round = 0; round < 2; round++) {
      await forgetCodes(phone);
      const code = await requestCode(stack, phone);
      for (let i = 0; i < 5; i++) answers.push((await verify(phone, wrongFor(code))).status);
    }
    return answers;
  };

  describe('numbers codes may go to', () => {
    const notSendable = {
      'international premium rate (+979)': '+979123456789',
      'international toll free (+800)': '+80012345678',
      'international VoIP (+882)': '+88213000000',
      'Iridium satellite (+881)': '+881612345678',
      'Inmarsat satellite (+870)': '+870773111632',
      'a British landline': '+442071234567',
      'a British premium rate number': '+449098765432',
      'a US toll free number': '+18002345678',
    };

    it.each(Object.entries(notSendable))(
      'refuses %s with 400 INVALID_PHONE_NUMBER and stores nothing',
      async (_, phone) => {
        const stored = () => stack.db.query(`SELECT count(*)::int AS n FROM code_requests`);
        const before = await stored();
        const response = await signup(phone).expect(400);
        expect(response.body.error).toBe('INVALID_PHONE_NUMBER');
        expect(await stored()).toEqual(before);
      },
    );

    it('refuses them when an admin creates a user too, and takes a mobile', async () => {
      const admin = await createUser(stack, ADMIN);
      for (const phone of Object.values(notSendable)) {
        const response = await as(stack, admin).post('/api/v1/users/', { phone_number: phone }).expect(400);
        expect(response.body.error).toBe('INVALID_PHONE_NUMBER');
      }
      await as(stack, admin).post('/api/v1/users/', { phone_number: '+4915112345678' }).expect(201);
      await signup('+12015550123').expect(202);
    });
  });

  describe('locks', () => {
    it('counts no wrong code for a number with no live code, and its owner signs in after any number of them', async () => {
      const phone = nextPhone();
      for (let i = 0; i < 25; i++) {
        const response = await verify(phone, String(1000 + i)).expect(400);
        expect(response.body.error).toBe('INVALID_CODE');
      }
      // A burned code is no live code either.
      const code = await requestCode(stack, phone);
      for (let i = 0; i < 5; i++) await verify(phone, wrongFor(code)).expect(400);
      for (let i = 0; i < 20; i++) await verify(phone, wrongFor(code)).expect(400);
      await forgetCodes(phone);
      const owner = await requestCode(stack, phone);
      await verify(phone, owner).expect(200);
    });

    it('escalates each lock within a day of the last: 15 minutes, then an hour, then a day', async () => {
      const phone = nextPhone();
      const steps: number[] = [];
      for (let lock = 0; lock < 4; lock++) {
        const answers = await tenWrong(phone);
        expect(answers).toEqual([...Array(9).fill(400), 429]);
        const locked = await verify(phone, '1234').expect(429);
        expect(locked.body.error).toBe('TOO_MANY_ATTEMPTS');
        steps.push(Number(locked.headers['retry-after']));
        // A lock refuses a new code too.
        await forgetCodes(phone);
        const refused = await signup(phone).expect(429);
        expect(refused.body.error).toBe('TOO_MANY_ATTEMPTS');
        await endLock(phone);
      }
      expect(steps.map((seconds) => Math.round(seconds / 60))).toEqual([15, 60, 1440, 1440]);
    });

    it('starts again at 15 minutes once a day has passed since the last lock ended', async () => {
      const phone = nextPhone();
      await tenWrong(phone);
      await endLock(phone);
      await tenWrong(phone);
      await stack.db.query(
        `UPDATE sign_in_attempts SET locked_until = now() - interval '2 days', last_lock_ends = now() - interval '2 days'
          WHERE phone_number = $1`,
        [phone],
      );
      await stack.db.query(`DELETE FROM sign_in_failures WHERE phone_number = $1`, [phone]);
      await tenWrong(phone);
      const locked = await verify(phone, '1234').expect(429);
      expect(Math.round(Number(locked.headers['retry-after']) / 60)).toBe(15);
    });

    it('holds 100 wrong codes per number in any 24 hours, a success between them or not', async () => {
      const phone = nextPhone();
      // 99 wrong codes over the last day, without a lock among them (the run ended with successes).
      await stack.db.query(
        `INSERT INTO sign_in_failures (phone_number, failed_at)
         SELECT $1, now() - make_interval(mins => 10 * n) FROM generate_series(1, 99) AS n`,
        [phone],
      );
      const code = await requestCode(stack, phone);
      await verify(phone, code).expect(200);
      await skipCooldown(stack, phone);
      const next = await requestCode(stack, phone);
      const hundredth = await verify(phone, wrongFor(next)).expect(429);
      expect(hundredth.body.error).toBe('TOO_MANY_ATTEMPTS');
      // Until the oldest of the hundred is a day old: 990 minutes ago, so 450 minutes from now.
      expect(Math.round(Number(hundredth.headers['retry-after']) / 60)).toBe(450);
      await verify(phone, next).expect(429);
      await skipCooldown(stack, phone);
      await signup(phone).expect(429);
    });
  });

  describe('one person, one referral', () => {
    const activations = async (inviter: { id: string }) =>
      (
        await stack.db.query<Array<{ n: number }>>(
          `SELECT count(*)::int AS n FROM events WHERE type = 'referral.activated' AND strpos(body, $1) > 0`,
          [inviter.id],
        )
      )[0].n;
    const count = async (inviter: SignedIn) =>
      (await as(stack, inviter).get('/api/v1/users/me/').expect(200)).body.referrals_count as number;

    it('never counts a phone again after its account is deleted and made again, for any inviter', async () => {
      const inviter = await createUser(stack);
      const other = await createUser(stack);
      const phone = nextPhone();
      const first = await createUser(stack, phone);
      await as(stack, first).patch('/api/v1/users/me/', { used_referral_code: inviter.referralCode }).expect(200);
      expect(await count(inviter)).toBe(1);
      await as(stack, first).delete('/api/v1/users/me/').expect(204);
      expect(await count(inviter)).toBe(0);

      for (let cycle = 0; cycle < 3; cycle++) {
        const again = await signIn(stack, phone);
        expect(again.isNewUser).toBe(true);
        for (const code of [inviter.referralCode, other.referralCode]) {
          const refused = await as(stack, again)
            .patch('/api/v1/users/me/', { used_referral_code: code, username: `back_${cycle}` })
            .expect(409);
          expect(refused.body.error).toBe('REFERRAL_ALREADY_ACTIVATED');
        }
        // All or nothing: the rename that came with it was undone.
        expect((await as(stack, again).get('/api/v1/users/me/').expect(200)).body.username).not.toBe(`back_${cycle}`);
        // Through an invite link at sign-in too: the sign-in goes on, the referral is refused.
        await as(stack, again).delete('/api/v1/users/me/').expect(204);
        await forgetCodes(phone);
        const code = await requestCode(stack, phone);
        const linked = await stack
          .http()
          .post('/api/v1/auth/code/')
          .send({ phone_number: phone, code, referral_code: inviter.referralCode })
          .expect(200);
        expect(linked.body.referral).toEqual({ activated: false, error: 'REFERRAL_ALREADY_ACTIVATED' });
        await as(stack, { token: linked.body.token as string })
          .delete('/api/v1/users/me/')
          .expect(204);
        await forgetCodes(phone);
      }
      expect(await count(inviter)).toBe(0);
      expect(await count(other)).toBe(0);
      expect(await activations(inviter)).toBe(1);
      expect(await activations(other)).toBe(0);
      // Somebody else is not locked out by it.
      const newcomer = await createUser(stack);
      await as(stack, newcomer).patch('/api/v1/users/me/', { used_referral_code: inviter.referralCode }).expect(200);
      expect(await count(inviter)).toBe(1);
    });

    it('refuses every one of 20 concurrent activations by a returning phone, and counts nothing', async () => {
      const inviters = await Promise.all(Array.from({ length: 20 }, () => createUser(stack)));
      const phone = nextPhone();
      const first = await createUser(stack, phone);
      await as(stack, first).patch('/api/v1/users/me/', { used_referral_code: inviters[0].referralCode }).expect(200);
      await as(stack, first).delete('/api/v1/users/me/').expect(204);
      const again = await createUser(stack, phone);
      const answers = await Promise.all(
        inviters.map((inviter) =>
          as(stack, again).patch('/api/v1/users/me/', { used_referral_code: inviter.referralCode }),
        ),
      );
      expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(409));
      expect(await Promise.all(inviters.map(count))).toEqual(Array(20).fill(0));
      expect(await Promise.all(inviters.map(activations))).toEqual([1, ...Array(19).fill(0)]);
    });

    it('remembers at deletion a referral made before fingerprints were kept', async () => {
      const inviter = await createUser(stack);
      const phone = nextPhone();
      const first = await createUser(stack, phone);
      await as(stack, first).patch('/api/v1/users/me/', { used_referral_code: inviter.referralCode }).expect(200);
      await stack.db.query(`DELETE FROM referred_phones`);
      await as(stack, first).delete('/api/v1/users/me/').expect(204);
      const again = await createUser(stack, phone);
      await as(stack, again).patch('/api/v1/users/me/', { used_referral_code: inviter.referralCode }).expect(409);
    });
  });

  describe('usernames cannot be probed', () => {
    it('answers a locked phone the same whatever the name', async () => {
      const owner = await createUser(stack);
      const phone = nextPhone();
      await tenWrong(phone);
      await skipCooldown(stack, phone);
      const taken = await signup(phone, owner.username).expect(429);
      const free = await signup(phone, 'nobody_has_this').expect(429);
      expect([taken.body.error, taken.body.message]).toEqual([free.body.error, free.body.message]);
      expect(taken.body.error).toBe('TOO_MANY_ATTEMPTS');
    });

    it('counts a taken name like a code: 409, then the cooldown, and sends nothing', async () => {
      const owner = await createUser(stack);
      const phone = nextPhone();
      const live = await requestCode(stack, phone);
      await skipCooldown(stack, phone);
      const taken = await signup(phone, owner.username.toUpperCase()).expect(409);
      expect(taken.body.error).toBe('USERNAME_TAKEN');
      const next = await signup(phone, 'another_name').expect(429);
      expect(next.body.error).toBe('RATE_LIMITED');
      expect(await codeRows(phone)).toEqual(['pending', 'refused']);
      expect(await inbox(stack, phone)).toHaveLength(1);
      // The live code is still the owner's to use.
      await verify(phone, live).expect(200);
    });

    it('limits renames to 5 an hour per user, refused ones included, with Retry-After; admins are not held', async () => {
      const user = await createUser(stack);
      const owner = await createUser(stack);
      const rename = (username: string) => as(stack, user).patch('/api/v1/users/me/', { username });
      for (let i = 0; i < 3; i++) await rename(`renamed_${i}`).expect(200);
      await rename(owner.username).expect(409);
      await rename('renamed_4').expect(200);
      const limited = await rename('renamed_5').expect(429);
      expect(limited.body.error).toBe('RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(3500);
      expect((await as(stack, user).get('/api/v1/users/me/').expect(200)).body.username).toBe('renamed_4');
      // An admin renames them still; and another user is not held by this one's count.
      const admin = await createUser(stack, ADMIN);
      await as(stack, admin).patch('/api/v1/users/renamed_4/', { username: 'renamed_by_admin' }).expect(200);
      await as(stack, owner).patch('/api/v1/users/me/', { username: 'owner_renamed' }).expect(200);
    });
  });
});

describe('fixed-code test numbers', () => {
  let stack: Stack;
  const TEST_NUMBER = '+79990000002';

  beforeAll(async () => {
    stack = await startStack({ env: { OTP_TEST_NUMBERS: `${TEST_NUMBER}:4321` }, worker: false });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('counts wrong codes over a day that a monitor signing in every minute does not reset', async () => {
    const signup = () => stack.http().post('/api/v1/auth/signup/').send({ phone_number: TEST_NUMBER });
    const verify = (code: string) => stack.http().post('/api/v1/auth/code/').send({ phone_number: TEST_NUMBER, code });
    for (let guess = 0; guess < 9; guess++) {
      await signup().expect(202);
      await verify(String(1000 + guess)).expect(400);
      // The monitor's sign-in, between every two guesses.
      await signup().expect(202);
      await verify('4321').expect(200);
    }
    await signup().expect(202);
    const tenth = await verify('0000').expect(429);
    expect(tenth.body.error).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(tenth.headers['retry-after'])).toBeGreaterThan(23 * 3600);
    await verify('4321').expect(429);
  });
});

describe('usernames, when the SMS budget is spent', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ env: { SMS_BUDGET_PER_HOUR: '1' }, worker: false });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('answers the same for a taken name and a free one', async () => {
    const owner = await createUser(stack);
    const signup = (username: string) =>
      stack.http().post('/api/v1/auth/signup/').send({ phone_number: nextPhone(), username });
    await signup('first_comer').expect(202);
    const taken = await signup(owner.username).expect(429);
    const free = await signup('nobody_else').expect(429);
    expect([taken.body.error, taken.body.message]).toEqual([free.body.error, free.body.message]);
    expect(taken.body.error).toBe('SMS_BUDGET_EXCEEDED');
  });
});
