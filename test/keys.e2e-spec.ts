import { setTimeout as sleep } from 'node:timers/promises';
import { createRemoteJWKSet, jwtVerify } from 'jose';
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
import { forge, headerOf, signingKeyOf } from './support/jwt.js';
import { keysCommand } from './support/processes.js';
import { as, nextPhone, startStack, waitForCode, type Stack } from './support/stack.js';
/** Secrets as `openssl rand -base64 48` makes them. */
const CODE_KEY_1 = 'p7Kc2Wm9Qx4Lr1Tz8Nv5Bd3Hs6Fy0Ja-g_Ue2Oi9Ck4Rw7Xq1Mt6Yb3Nz8Lp5Vd';
const CODE_KEY_2 = 'Wt4Qm8Zx1Rb6Kn3Vc9Hp2Ls7Jd0Fy5Ga-e_Ni3Ou8Yk1Tr6Xw4Mz9Bq2Cv7Sp0Ld';
/** The JWT_SECRET of a release before OTP_SECRET: codes and fingerprints of then were keyed by it. */
const LEGACY_JWT_SECRET = 'test-secret-that-is-at-least-32-bytes-long-0123456789';

/** What PostgreSQL keeps of the newest code of a phone: the key's id, then the HMAC. */
async function codeHashOf(stack: Stack, phone: string): Promise<Buffer> {
  const [row] = await stack.db.query<Array<{ code_hash: Buffer }>>(
    'SELECT code_hash FROM code_requests WHERE phone_number = $1 ORDER BY created_at DESC LIMIT 1',
    [phone],
  );
  return row.code_hash;
}

/**
 * SPEC section 12: access tokens a host service verifies with nothing but the
 * key set's address (jose's createRemoteJWKSet, as a host service would), and
 * a rotation under load that refuses nobody.
 */
describe('the signing keys', () => {
  const stacks: Stack[] = [];
  afterAll(async () => {
    await Promise.all(stacks.map((stack) => stack.close()));
  });
  const stackWith = async (env: Record<string, string> = {}) => {
    const stack = await startStack({ worker: false, env });
    stacks.push(stack);
    return stack;
  };
  const urlOf = async (stack: Stack) => (await stack.api.getUrl()).replace('[::1]', '127.0.0.1');
  /** Makes the stack read its key set now: a token with a kid it does not know does (at most once a second). */
  const reread = async (stack: Stack) => {
    await sleep(1_100);
    await stack
      .http()
      .get('/api/v1/users/me/')
      .set(
        'Authorization',
        `Bearer ${forge({ alg: 'EdDSA', kid: 'unknown' }, {}, (await signingKeyOf(stack)).privatePem)}`,
      )
      .expect(401);
  };

  it('publishes the key set and a discovery document: a host service verifies a token with the JWKS address alone', async () => {
    const stack = await stackWith();
    const user = await createUser(stack);
    const discovery = await stack.http().get('/.well-known/openid-configuration').expect(200);
    expect(discovery.body).toMatchObject({
      issuer: 'referral-service',
      jwks_uri: expect.stringMatching(/\/\.well-known\/jwks\.json$/),
    });
    const jwks = await stack.http().get('/.well-known/jwks.json').expect(200);
    expect(jwks.headers['cache-control']).toBe('public, max-age=300');
    expect(jwks.body.keys).toContainEqual(
      expect.objectContaining({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', kid: headerOf(user.token).kid }),
    );
    for (const key of jwks.body.keys) expect(Object.keys(key)).not.toContain('d');

    // The host service's code: the address, the issuer and the audience; nothing shared with us.
    const keySet = createRemoteJWKSet(new URL('/.well-known/jwks.json', await urlOf(stack)));
    const { payload, protectedHeader } = await jwtVerify(user.token, keySet, {
      issuer: 'referral-service',
      audience: 'referral-api',
    });
    expect(payload.sub).toBe(user.id);
    expect(protectedHeader.alg).toBe('EdDSA');
  });

  it('rotates under load: tokens of the old key keep verifying, the new key signs after its publication, none refused', async () => {
    // Two API processes on one database, a new key published 4 s before it signs, and a host service that
    // caches the set for 2 s (less than JWT_KEY_PUBLISH_SECONDS, as docs/security.md asks of verifiers).
    const env = { JWT_KEY_PUBLISH_SECONDS: '4', JWT_ALGORITHM: 'ES256' };
    const apis = [await stackWith(env), await stackWith(env)];
    const CLIENTS = 12;
    const users = await Promise.all(Array.from({ length: CLIENTS }, () => createUser(apis[0])));
    const user = users[0];
    const oldKid = headerOf(user.token).kid!;
    const keySet = createRemoteJWKSet(new URL('/.well-known/jwks.json', await urlOf(apis[1])), { cacheMaxAge: 2_000 });
    const counted = { refreshes: 0, byApi: 0, byHost: 0, refused: [] as string[] };
    /** Which API has signed with the new key, and its id. */
    const newKeySignedBy = new Set<number>();
    let newKid = '';
    let rotatedAt = 0;
    let stop = false;
    const deadline = Date.now() + 40_000;
    // Each client, in turn on one API then the other: refresh, then the other API and the host service verify
    // the new token and the client's three before it; all clients at once, until both APIs sign with the new key.
    const client = async (first: { token: string; refreshToken: string }, index: number) => {
      let refreshToken = first.refreshToken;
      const issued = [first.token];
      for (let turn = index; !stop && Date.now() < deadline; turn++) {
        const [issuer, checker] = [apis[turn % 2], apis[(turn + 1) % 2]];
        const refreshed = await issuer.http().post('/api/v1/auth/refresh/').send({ refresh_token: refreshToken });
        if (refreshed.status !== 200) {
          counted.refused.push(`refresh ${refreshed.status}`);
          return;
        }
        counted.refreshes++;
        refreshToken = refreshed.body.refresh_token as string;
        const token = refreshed.body.token as string;
        if (headerOf(token).kid !== oldKid) {
          newKeySignedBy.add(turn % 2);
          newKid = headerOf(token).kid!;
        }
        for (const candidate of [token, ...issued.slice(-3)]) {
          const answer = await checker.http().get('/api/v1/users/me/').set('Authorization', `Bearer ${candidate}`);
          if (answer.status === 200) counted.byApi++;
          else counted.refused.push(`api ${answer.status} ${headerOf(candidate).kid}`);
          try {
            await jwtVerify(candidate, keySet, { issuer: 'referral-service', audience: 'referral-api' });
            counted.byHost++;
          } catch (error) {
            counted.refused.push(`host ${(error as Error).name} ${headerOf(candidate).kid}`);
          }
        }
        issued.push(token);
        if (newKeySignedBy.size === 2) stop = true;
      }
    };
    const rotation = (async () => {
      await sleep(1_500);
      expect(await keysCommand('keys', ['rotate'], env)).toMatch(
        /^made ES256 key [\w-]+: in the JWKS now, signing from /,
      );
      rotatedAt = Date.now();
    })();
    await Promise.all([rotation, ...users.map((each, index) => client(each, index))]);
    expect(counted.refused).toEqual([]);
    expect([...newKeySignedBy].sort()).toEqual([0, 1]);
    const keys = await apis[0].http().get('/.well-known/jwks.json').expect(200);
    expect((keys.body.keys as Array<{ kid: string }>).map((key) => key.kid)).toEqual(
      expect.arrayContaining([oldKid, newKid]),
    );
    const latest = await apis[1]
      .http()
      .post('/api/v1/auth/refresh/')
      .send({ refresh_token: (await createUser(apis[1])).refreshToken })
      .expect(200);
    expect(headerOf(latest.body.token as string)).toEqual({ alg: 'ES256', typ: 'JWT', kid: newKid });
    // The first tokens, from before the rotation, verify still: their key is in the set until they have expired.
    await as(apis[1], user).get('/api/v1/users/me/').expect(200);
    console.log(
      `rotation under load: ${CLIENTS} clients, ${counted.refreshes} refreshes, ${counted.byApi} API checks and ` +
        `${counted.byHost} host checks (jose), ${counted.refused.length} refused; both APIs signed with the new key ` +
        `${Date.now() - rotatedAt} ms after the command (published 4 s ahead)`,
    );

    // Once the old key's last token has expired it leaves the set: twenty minutes on, as the clock would make it.
    await apis[0].db.query(`UPDATE signing_keys SET signs_from = signs_from - interval '20 minutes'`);
    for (const api of apis) await reread(api);
    await as(apis[1], user).get('/api/v1/users/me/').expect(401);
    const set = await apis[0].http().get('/.well-known/jwks.json').expect(200);
    expect(set.body.keys.map((key: { kid: string }) => key.kid)).toEqual([newKid]);
    await expect(
      jwtVerify(user.token, createRemoteJWKSet(new URL('/.well-known/jwks.json', await urlOf(apis[0])))),
    ).rejects.toThrow();
  }, 90_000);

  it('retires a key at once with `keys retire`, once another signs; never the only one', async () => {
    const stack = await stackWith();
    const user = await createUser(stack);
    const kid = headerOf(user.token).kid!;
    // Earlier files and tests left keys of their own: withdraw them, so this one is the only key that can sign.
    await stack.db.query('UPDATE signing_keys SET retired_at = now() WHERE id <> $1 AND retired_at IS NULL', [kid]);
    await expect(keysCommand('keys', ['retire', kid])).rejects.toThrow(
      /the newest key that can sign: run `rotate --now` first/,
    );
    // A key published by mistake may go before its turn: the current one signs on.
    const published = /^made EdDSA key ([\w-]+):/.exec(await keysCommand('keys', ['rotate']))![1];
    expect(await keysCommand('keys', ['retire', published])).toMatch(new RegExp(`^retired ${published}`));
    await as(stack, user).get('/api/v1/users/me/').expect(200);
    expect(await keysCommand('keys', ['rotate', '--now'])).toMatch(/^made EdDSA key /);
    expect(await keysCommand('keys', ['retire', kid])).toMatch(new RegExp(`^retired ${kid}`));
    await reread(stack);
    await as(stack, user).get('/api/v1/users/me/').expect(401);
    // The session lives on: a refresh signs with the new key.
    const refreshed = await stack
      .http()
      .post('/api/v1/auth/refresh/')
      .send({ refresh_token: user.refreshToken })
      .expect(200);
    expect(headerOf(refreshed.body.token as string).kid).not.toBe(kid);
    await as(stack, { token: refreshed.body.token as string })
      .get('/api/v1/users/me/')
      .expect(200);
    expect(await keysCommand('keys', ['list'])).toMatch(/ signs /);
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
    const stack = await startStack({ worker: false, env: { JWT_SECRET: LEGACY_JWT_SECRET } });
    stacks.push(stack);
    const phone = nextPhone();
    await stack.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
    // Rewritten as the code of an older release: hash and box from keys derived from JWT_SECRET, no key id.
    const [{ id }] = await stack.db.query<Array<{ id: string }>>(
      'SELECT id FROM code_requests WHERE phone_number = $1',
      [phone],
    );
    const legacy = deriveOtpKeys(LEGACY_JWT_SECRET);
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
    const stack = await startStack({ worker: false, env: { JWT_SECRET: LEGACY_JWT_SECRET } });
    stacks.push(stack);
    const inviter = await createUser(stack);
    const returning = await createUser(stack);
    await stack.db.query('INSERT INTO referred_phones (phone_hash) VALUES ($1)', [
      referredPhoneFingerprint(deriveReferredPhoneKey(LEGACY_JWT_SECRET), returning.phone),
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
