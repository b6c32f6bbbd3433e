import { UndeliveredCodesSweep } from '../apps/worker/src/code-delivery/undelivered-codes.sweep.js';
import {
  deriveOtpKeys,
  deriveReferredPhoneKey,
  hashOtp,
  keyIdOf,
  referredPhoneFingerprint,
  sealOtp,
} from '../libs/domain/src/index.js';
import { createUser } from './support/factory.js';
import { claimsOf, forge, headerOf } from './support/jwt.js';
import { as, nextPhone, startStack, waitForCode, type Stack } from './support/stack.js';
import { TEST_JWT_SECRET } from './support/test-env.js';

/** Secrets as `openssl rand -base64 48` makes them. */
const TOKEN_KEY_1 = 'Zq3vY8rT1mK6wP0sL9dF2hJ5nB7xC4gA-e_Ru0iO3kWyVtSzQ1aE6cN8bM2lH5jG';
const TOKEN_KEY_2 = 'Hc5Nw2Qp8Lk1Zr7Tm4Vx0Bs9Fd3Jy6Ga-u_Ke1Oq8Wi5Rt2Yz7Mn4Xb0Cv3Pd9Sl';
const CODE_KEY_1 = 'p7Kc2Wm9Qx4Lr1Tz8Nv5Bd3Hs6Fy0Ja-g_Ue2Oi9Ck4Rw7Xq1Mt6Yb3Nz8Lp5Vd';
const CODE_KEY_2 = 'Wt4Qm8Zx1Rb6Kn3Vc9Hp2Ls7Jd0Fy5Ga-e_Ni3Ou8Yk1Tr6Xw4Mz9Bq2Cv7Sp0Ld';

/** Another token's claims, under the header and key given. */
const resigned = (token: string, header: object, secret: string) => forge(header, claimsOf(token), secret);

/** What PostgreSQL keeps of the newest code of a phone: the key's id, then the HMAC. */
async function codeHashOf(stack: Stack, phone: string): Promise<Buffer> {
  const [row] = await stack.db.query<Array<{ code_hash: Buffer }>>(
    'SELECT code_hash FROM code_requests WHERE phone_number = $1 ORDER BY created_at DESC LIMIT 1',
    [phone],
  );
  return row.code_hash;
}

/** SPEC section 11: keys one per purpose, each with an id, rotated without signing anyone out or losing a code. */
describe('a token key rotation', () => {
  const stacks: Stack[] = [];
  const stackWith = async (env: Record<string, string>) => {
    const stack = await startStack({ worker: false, env });
    stacks.push(stack);
    return stack;
  };
  afterAll(async () => {
    await Promise.all(stacks.map((stack) => stack.close()));
  });

  it('keeps every session: old tokens verify by their kid, refreshes sign with the new key', async () => {
    const before = await stackWith({ JWT_SECRET: TOKEN_KEY_1 });
    const user = await createUser(before);
    expect(headerOf(user.token)).toEqual({ alg: 'HS256', typ: 'JWT', kid: keyIdOf(TOKEN_KEY_1).toString('base64url') });

    const rotated = await stackWith({ JWT_SECRET: TOKEN_KEY_2, JWT_PREVIOUS_SECRETS: TOKEN_KEY_1 });
    await as(rotated, user).get('/api/v1/users/me/').expect(200);
    const refreshed = await rotated
      .http()
      .post('/api/v1/auth/refresh/')
      .send({ refresh_token: user.refreshToken })
      .expect(200);
    expect(headerOf(refreshed.body.token as string).kid).toBe(keyIdOf(TOKEN_KEY_2).toString('base64url'));
    await as(rotated, { token: refreshed.body.token as string })
      .get('/api/v1/users/me/')
      .expect(200);
    // A token from before key ids (no kid), signed with the old key: still verified, by trying each listed key.
    const { kid: _, ...noKid } = headerOf(user.token);
    await as(rotated, { token: resigned(user.token, noKid, TOKEN_KEY_1) })
      .get('/api/v1/users/me/')
      .expect(200);
    // A kid names one key: a token signed with another is refused, whichever keys are listed.
    const misnamed = resigned(user.token, headerOf(user.token), TOKEN_KEY_2);
    await as(rotated, { token: misnamed }).get('/api/v1/users/me/').expect(401);

    // The old key dropped once its tokens expired: its tokens stop, the new ones go on.
    const after = await stackWith({ JWT_SECRET: TOKEN_KEY_2 });
    await as(after, user).get('/api/v1/users/me/').expect(401);
    await as(after, { token: resigned(user.token, noKid, TOKEN_KEY_1) })
      .get('/api/v1/users/me/')
      .expect(401);
    await as(after, { token: refreshed.body.token as string })
      .get('/api/v1/users/me/')
      .expect(200);
  });
});

describe('a code key rotation', () => {
  const stacks: Stack[] = [];
  afterAll(async () => {
    await Promise.all(stacks.map((stack) => stack.close()));
  });

  it('delivers and accepts a code sealed under the previous key, and makes new ones under the current', async () => {
    // The code is made (hashed and sealed) under the first key, and nothing delivers it yet.
    const before = await startStack({ worker: false, env: { OTP_SECRET: CODE_KEY_1 } });
    stacks.push(before);
    const phone = nextPhone();
    await before.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
    expect((await codeHashOf(before, phone)).subarray(0, 6).equals(keyIdOf(CODE_KEY_1))).toBe(true);

    // Rotated: a worker with the new key and the old one listed delivers it (its sweep finds it), the API accepts it.
    const rotated = await startStack({ env: { OTP_SECRET: CODE_KEY_2, OTP_PREVIOUS_SECRETS: CODE_KEY_1 } });
    stacks.push(rotated);
    // The sweep's next run, now rather than in up to 5 s (its schedule is the faults suite's to test).
    await rotated.worker!.get(UndeliveredCodesSweep).sweep(0);
    const code = await waitForCode(rotated, phone, 0, 20_000);
    await rotated.http().post('/api/v1/auth/code/').send({ phone_number: phone, code }).expect(200);

    const next = nextPhone();
    await rotated.http().post('/api/v1/auth/signup/').send({ phone_number: next }).expect(202);
    expect((await codeHashOf(rotated, next)).subarray(0, 6).equals(keyIdOf(CODE_KEY_2))).toBe(true);
    await rotated
      .http()
      .post('/api/v1/auth/code/')
      .send({ phone_number: next, code: await waitForCode(rotated, next) })
      .expect(200);
  });

  it('delivers and accepts a code made before OTP_SECRET existed (keyed by JWT_SECRET, no id)', async () => {
    const stack = await startStack({ worker: false });
    stacks.push(stack);
    const phone = nextPhone();
    await stack.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
    // Rewritten as the code of an older release: hash and box from keys derived from JWT_SECRET, no key id.
    const [{ id }] = await stack.db.query<Array<{ id: string }>>(
      'SELECT id FROM code_requests WHERE phone_number = $1',
      [phone],
    );
    const legacy = deriveOtpKeys(TEST_JWT_SECRET);
    await stack.db.query('UPDATE code_requests SET code_hash = $2, code_sealed = $3 WHERE id = $1', [
      id,
      hashOtp(legacy.hashKey, id, phone, '4321'),
      sealOtp(legacy.sealKey, id, '4321'),
    ]);
    await stack.startWorker();
    expect(await waitForCode(stack, phone, 0, 20_000)).toBe('4321');
    await stack.http().post('/api/v1/auth/code/').send({ phone_number: phone, code: '4321' }).expect(200);
  });

  it('remembers a referred phone fingerprinted under the token secret of before: it is not counted again', async () => {
    const stack = await startStack({ worker: false });
    stacks.push(stack);
    const inviter = await createUser(stack);
    const returning = await createUser(stack);
    await stack.db.query('INSERT INTO referred_phones (phone_hash) VALUES ($1)', [
      referredPhoneFingerprint(deriveReferredPhoneKey(TEST_JWT_SECRET), returning.phone),
    ]);
    const refused = await as(stack, returning)
      .patch('/api/v1/users/me/', { used_referral_code: inviter.referralCode })
      .expect(409);
    expect(refused.body.error).toBe('REFERRAL_ALREADY_ACTIVATED');
    // A newcomer still counts, under the current key.
    const newcomer = await createUser(stack);
    await as(stack, newcomer).patch('/api/v1/users/me/', { used_referral_code: inviter.referralCode }).expect(200);
  });
});
