import { setTimeout as sleep } from 'node:timers/promises';
import { until } from './support/wait.js';
import { nextPhone, requestCode, signIn, skipCooldown, startStack, waitForCode, type Stack } from './support/stack.js';
import { keyIdOf } from '../libs/domain/src/index.js';
import { TEST_OTP_SECRET } from './support/test-env.js';

interface ErrorBody {
  status_code: number;
  error: string;
  message: string;
  request_id: string;
}

/** The same error, request id aside. */
const sansRequestId = (body: ErrorBody) => ({ ...body, request_id: undefined });

describe('sign-in with the default rules', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  const signup = (body: object) => stack.http().post('/api/v1/auth/signup/').send(body);
  const verify = (phone: string, code: string) =>
    stack.http().post('/api/v1/auth/code/').send({ phone_number: phone, code });
  it('answers 202 with the normalised number, lifetime and cooldown', async () => {
    const response = await signup({ phone_number: '+7 999 000-11-22' }).expect(202);
    expect(response.body).toEqual({ phone_number: '+79990001122', expires_in: 300, resend_in: 60, channel: 'sms' });
  });

  it('accepts the number without "+" and in national format, with or without a trailing slash', async () => {
    await stack.http().post('/api/v1/auth/signup').send({ phone_number: '79990001123' }).expect(202);
    const national = await signup({ phone_number: '8 (999) 000-11-24' }).expect(202);
    expect(national.body.phone_number).toBe('+79990001124');
  });

  it('answers a known and an unknown number alike', async () => {
    const known = await signIn(stack);
    await skipCooldown(stack, known.phone);
    const unknown = nextPhone();
    const [forKnown, forUnknown] = await Promise.all([
      signup({ phone_number: known.phone }).expect(202),
      signup({ phone_number: unknown }).expect(202),
    ]);
    expect(forKnown.body).toEqual({ phone_number: known.phone, expires_in: 300, resend_in: 60, channel: 'sms' });
    expect(forUnknown.body).toEqual({ phone_number: unknown, expires_in: 300, resend_in: 60, channel: 'sms' });
    expect(Object.keys(forKnown.headers).sort()).toEqual(Object.keys(forUnknown.headers).sort());
  });

  it.each([
    ['a landline', '+74951234567'],
    ['too short', '+7912345'],
    ['letters', 'call me maybe'],
  ])('refuses %s with 400 INVALID_PHONE_NUMBER', async (_case, phone) => {
    const response = await signup({ phone_number: phone }).expect(400);
    expect(response.body).toMatchObject({ status_code: 400, error: 'INVALID_PHONE_NUMBER' });
  });

  it('refuses a missing number with VALIDATION_FAILED naming the field', async () => {
    const response = await signup({}).expect(400);
    expect(response.body.error).toBe('VALIDATION_FAILED');
    expect(response.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'phone_number' })]));
  });

  it('refuses a second code within 60 s with 429 and Retry-After', async () => {
    const phone = nextPhone();
    await signup({ phone_number: phone }).expect(202);
    const response = await signup({ phone_number: phone }).expect(429);
    expect(response.body.error).toBe('RATE_LIMITED');
    const retryAfter = Number(response.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(55);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('creates the user at the first verified code, with a 6-character invite code', async () => {
    const user = await signIn(stack, nextPhone(), 'first_timer');
    expect(user.isNewUser).toBe(true);
    expect(user.referralCode).toMatch(/^[A-Z2-9]{6}$/);
    const profile = await stack
      .http()
      .get('/api/v1/users/me/')
      .set('Authorization', `Bearer ${user.token}`)
      .expect(200);
    expect(profile.body).toMatchObject({
      username: 'first_timer',
      phone_number: user.phone,
      referral_code: user.referralCode,
    });
  });

  it('signs the same user in again without creating another', async () => {
    const phone = nextPhone();
    const first = await signIn(stack, phone);
    await skipCooldown(stack, phone);
    const second = await signIn(stack, phone);
    expect(second.isNewUser).toBe(false);
    expect(second.referralCode).toBe(first.referralCode);
    const [{ count }] = await stack.db.query('SELECT count(*)::int AS count FROM users WHERE phone_number = $1', [
      phone,
    ]);
    expect(count).toBe(1);
  });

  it('gives a generated username to a user who chose none', async () => {
    const user = await signIn(stack);
    const profile = await stack.http().get('/api/v1/users/me').set('Authorization', `Bearer ${user.token}`).expect(200);
    expect(profile.body.username).toMatch(/^user_[a-z2-9]{8}$/);
  });

  it('refuses a username that is taken, in any case, with 409 USERNAME_TAKEN', async () => {
    await signIn(stack, nextPhone(), 'TakenName');
    const response = await signup({ phone_number: nextPhone(), username: 'takenNAME' }).expect(409);
    expect(response.body.error).toBe('USERNAME_TAKEN');
  });

  it('gives the same INVALID_CODE body for an unknown phone and a wrong code', async () => {
    const known = nextPhone();
    await signup({ phone_number: known }).expect(202);
    const code = await waitForCode(stack, known);
    const wrong = code === '0000' ? '0001' : '0000';
    const wrongCode = await verify(known, wrong).expect(400);
    const unknownPhone = await verify(nextPhone(), code).expect(400);
    expect(wrongCode.body.error).toBe('INVALID_CODE');
    expect(sansRequestId(unknownPhone.body as ErrorBody)).toEqual(sansRequestId(wrongCode.body as ErrorBody));
    expect(Object.keys(unknownPhone.headers).sort()).toEqual(Object.keys(wrongCode.headers).sort());
  });

  it('accepts a code once, even when 8 checks arrive at the same moment', async () => {
    const phone = nextPhone();
    await signup({ phone_number: phone }).expect(202);
    const code = await waitForCode(stack, phone);
    const answers = await Promise.all(Array.from({ length: 8 }, () => verify(phone, code)));
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 400, 400, 400, 400, 400, 400, 400]);
    expect(answers.filter((answer) => answer.status === 400).every((a) => a.body.error === 'INVALID_CODE')).toBe(true);
    const [{ sessions }] = await stack.db.query(
      'SELECT count(*)::int AS sessions FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.phone_number = $1',
      [phone],
    );
    expect(sessions).toBe(1);
  });

  it('refuses a used code afterwards', async () => {
    const phone = nextPhone();
    await signup({ phone_number: phone }).expect(202);
    const code = await waitForCode(stack, phone);
    await verify(phone, code).expect(200);
    const response = await verify(phone, code).expect(400);
    expect(response.body.error).toBe('INVALID_CODE');
  });

  it('burns a code after 5 wrong tries: the right code is refused after that', async () => {
    const phone = nextPhone();
    await signup({ phone_number: phone }).expect(202);
    const code = await waitForCode(stack, phone);
    const wrong = code === '9999' ? '9998' : '9999';
    for (let i = 0; i < 5; i++) await verify(phone, wrong).expect(400);
    const response = await verify(phone, code).expect(400);
    expect(response.body.error).toBe('INVALID_CODE');
  });

  it('lets the right code in after 4 wrong tries', async () => {
    const phone = nextPhone();
    await signup({ phone_number: phone }).expect(202);
    const code = await waitForCode(stack, phone);
    const wrong = code === '9999' ? '9998' : '9999';
    for (let i = 0; i < 4; i++) await verify(phone, wrong).expect(400);
    await verify(phone, code).expect(200);
  });

  it('never stores the code in the clear, in PostgreSQL or in the queue', async () => {
    const phone = nextPhone();
    await signup({ phone_number: phone }).expect(202);
    const [{ id }] = await stack.db.query('SELECT id FROM code_requests WHERE phone_number = $1', [phone]);
    const job = await stack.queue.getJob(id);
    expect(job?.data).toEqual({ codeRequestId: id });
    const code = await waitForCode(stack, phone);
    // The inbox has the message a moment before the worker records the delivery (and erases the sealed code).
    const row = await until('the delivery recorded', async () => {
      const [stored] = await stack.db.query('SELECT * FROM code_requests WHERE id = $1', [id]);
      return stored.delivered_at ? stored : undefined;
    });
    // Only bytea columns could hold it, and they hold a hash (and nothing, once delivered).
    for (const [column, value] of Object.entries(row as Record<string, unknown>)) {
      if (typeof value === 'string')
        expect({ column, value }).toEqual({ column, value: expect.not.stringContaining(code) });
    }
    expect(row.code_sealed).toBeNull();
    // The key's id (6 bytes: OTP_SECRET's), then the HMAC (32).
    expect(Buffer.isBuffer(row.code_hash) && row.code_hash.length).toBe(6 + 32);
    expect((row.code_hash as Buffer).subarray(0, 6).equals(keyIdOf(TEST_OTP_SECRET))).toBe(true);
  });

  it('works with a fixed code, without send limits, for a number in OTP_TEST_NUMBERS', async () => {
    const fixed = await startStack({ env: { OTP_TEST_NUMBERS: '+79990009999:4242' }, worker: false });
    try {
      await fixed.http().post('/api/v1/auth/signup/').send({ phone_number: '+79990009999' }).expect(202);
      const response = await fixed
        .http()
        .post('/api/v1/auth/code/')
        .send({ phone_number: '+79990009999', code: '4242' })
        .expect(200);
      expect(response.body.token_type).toBe('Bearer');
      // Monitoring signs in every minute: a test number has no cooldown and no hourly cap.
      for (let i = 0; i < 6; i++) {
        await fixed.http().post('/api/v1/auth/signup/').send({ phone_number: '+79990009999' }).expect(202);
      }
      await fixed.http().post('/api/v1/auth/code/').send({ phone_number: '+79990009999', code: '4242' }).expect(200);
    } finally {
      await fixed.db.query(`DELETE FROM users WHERE phone_number = '+79990009999'`);
      await fixed.close();
    }
  });
});

describe('sign-in without the 60 s cooldown (to reach the other limits quickly)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ env: { CODE_RESEND_SECONDS: '0' } });
  });
  afterAll(async () => {
    await stack.close();
  });

  const signup = (phone: string) => stack.http().post('/api/v1/auth/signup/').send({ phone_number: phone });
  const verify = (phone: string, code: string) =>
    stack.http().post('/api/v1/auth/code/').send({ phone_number: phone, code });

  const freshCode = (phone: string) => requestCode(stack, phone);

  it('allows 5 codes per phone per hour, then 429 with Retry-After', async () => {
    const phone = nextPhone();
    for (let i = 0; i < 5; i++) await signup(phone).expect(202);
    const response = await signup(phone).expect(429);
    expect(response.body.error).toBe('RATE_LIMITED');
    const retryAfter = Number(response.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
  });

  it('replaces the old code with a new one: the old one is refused', async () => {
    const phone = nextPhone();
    const first = await freshCode(phone);
    // Codes are random: the new one is the old one once in 10,000 times; then ask again.
    let second = await freshCode(phone);
    while (second === first) second = await freshCode(phone);
    const old = await verify(phone, first).expect(400);
    expect(old.body.error).toBe('INVALID_CODE');
    await verify(phone, second).expect(200);
  });

  it('locks the phone for 15 minutes after 10 wrong tries in a row, across codes', async () => {
    const phone = nextPhone();
    const first = await freshCode(phone);
    const wrongFor = (code: string) => (code === '0000' ? '0001' : '0000');
    for (let i = 0; i < 5; i++) await verify(phone, wrongFor(first)).expect(400);
    const second = await freshCode(phone);
    for (let i = 0; i < 4; i++) await verify(phone, wrongFor(second)).expect(400);

    const tenth = await verify(phone, wrongFor(second)).expect(429);
    expect(tenth.body.error).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(tenth.headers['retry-after'])).toBeGreaterThan(890);

    // Locked: the right code is refused, and no new code is sent.
    const right = await verify(phone, second).expect(429);
    expect(right.body.error).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(right.headers['retry-after'])).toBeLessThanOrEqual(900);
    await signup(phone).expect(429);

    // The lock is in PostgreSQL: when it runs out, sign-in works again.
    await stack.db.query(
      `UPDATE sign_in_attempts SET locked_until = now() - interval '1 second' WHERE phone_number = $1`,
      [phone],
    );
    const third = await freshCode(phone);
    await verify(phone, third).expect(200);
  });

  it('starts counting again after a successful sign-in', async () => {
    const phone = nextPhone();
    const wrongFor = (code: string) => (code === '0000' ? '0001' : '0000');
    const first = await freshCode(phone);
    for (let i = 0; i < 4; i++) await verify(phone, wrongFor(first)).expect(400);
    const second = await freshCode(phone);
    for (let i = 0; i < 4; i++) await verify(phone, wrongFor(second)).expect(400);
    await verify(phone, second).expect(200);

    // 8 failures before the success; 9 more after it still do not lock.
    for (let round = 0; round < 2; round++) {
      const code = await freshCode(phone);
      for (let i = 0; i < 4; i++) await verify(phone, wrongFor(code)).expect(400);
    }
    const last = await freshCode(phone);
    await verify(phone, wrongFor(last)).expect(400);
    await verify(phone, last).expect(200);
  });

  it('does not count a double submission of a just-used code as a guess', async () => {
    const phone = nextPhone();
    const code = await freshCode(phone);
    await verify(phone, code).expect(200);
    for (let i = 0; i < 12; i++) await verify(phone, code).expect(400);
    const next = await freshCode(phone);
    await verify(phone, next).expect(200);
  });
});

describe('code expiry', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ env: { CODE_TTL_SECONDS: '1' } });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('refuses a code after its lifetime', async () => {
    const phone = nextPhone();
    const requested = await stack.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
    expect(requested.body.expires_in).toBe(1);
    const code = await waitForCode(stack, phone);
    await sleep(1200);
    const response = await stack.http().post('/api/v1/auth/code/').send({ phone_number: phone, code }).expect(400);
    expect(response.body.error).toBe('INVALID_CODE');
  });
});

describe('per-client-IP limits', () => {
  it('limits signups per client IP, ignoring X-Forwarded-For unless TRUST_PROXY is set', async () => {
    const stack = await startStack({ env: { SIGNUP_IP_RATE_LIMIT: '3/60' }, worker: false });
    try {
      for (let i = 0; i < 3; i++) {
        await stack
          .http()
          .post('/api/v1/auth/signup/')
          .set('X-Forwarded-For', `203.0.113.${i}`)
          .send({ phone_number: nextPhone() })
          .expect(202);
      }
      const response = await stack
        .http()
        .post('/api/v1/auth/signup/')
        .set('X-Forwarded-For', '203.0.113.99')
        .send({ phone_number: nextPhone() })
        .expect(429);
      expect(response.body.error).toBe('RATE_LIMITED');
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      // Checking codes has its own limit.
      await stack.http().post('/api/v1/auth/code/').send({ phone_number: nextPhone(), code: '1234' }).expect(400);
    } finally {
      await stack.close();
    }
  });

  it('keys the limit on the forwarded address when TRUST_PROXY is set', async () => {
    const stack = await startStack({ env: { SIGNUP_IP_RATE_LIMIT: '2/60', TRUST_PROXY: 'true' }, worker: false });
    try {
      const from = (ip: string) =>
        stack.http().post('/api/v1/auth/signup/').set('X-Forwarded-For', ip).send({ phone_number: nextPhone() });
      await from('198.51.100.1').expect(202);
      await from('198.51.100.1').expect(202);
      await from('198.51.100.1').expect(429);
      await from('198.51.100.2').expect(202);
    } finally {
      await stack.close();
    }
  });

  it('limits code checks per client IP', async () => {
    const stack = await startStack({ env: { VERIFY_IP_RATE_LIMIT: '2/60' }, worker: false });
    try {
      const check = () => stack.http().post('/api/v1/auth/code/').send({ phone_number: nextPhone(), code: '1234' });
      await check().expect(400);
      await check().expect(400);
      const response = await check().expect(429);
      expect(response.body.error).toBe('RATE_LIMITED');
    } finally {
      await stack.close();
    }
  });
});
