import { createUser, startSession, type TestUser } from './support/factory.js';
import { generateKeyPairSync } from 'node:crypto';
import { claimsOf, forge, headerOf, signingKeyOf } from './support/jwt.js';
import { nextPhone, signIn, skipCooldown, startStack, waitForCode, type Stack } from './support/stack.js';

describe('tokens', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  const me = (token: string) => stack.http().get('/api/v1/users/me/').set('Authorization', `Bearer ${token}`);
  const refresh = (refreshToken: string) =>
    stack.http().post('/api/v1/auth/refresh/').send({ refresh_token: refreshToken });

  it('issues an EdDSA access token for 15 minutes, with its key id, issuer and audience', async () => {
    const user = await createUser(stack);
    const header = headerOf(user.token);
    const claims = claimsOf(user.token);
    expect(header).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: (await signingKeyOf(stack)).kid });
    expect(claims.exp - claims.iat).toBe(900);
    expect(claims).toMatchObject({ iss: 'referral-service', aud: 'referral-api' });
    await me(user.token).expect(200);
  });

  it('refuses a request without a token with 401 UNAUTHORIZED and a Bearer challenge without an error code', async () => {
    const response = await stack.http().get('/api/v1/users/me/').expect(401);
    expect(response.body).toMatchObject({ status_code: 401, error: 'UNAUTHORIZED' });
    // RFC 6750 section 3.1: no error code when the request carried no token.
    expect(response.headers['www-authenticate']).toBe('Bearer realm="referral-service"');
  });

  it('answers a sent token it refuses with error="invalid_token" in the challenge (RFC 6750)', async () => {
    const response = await me('not.a.token').expect(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="referral-service", error="invalid_token"');
    const refused = await refresh('x'.repeat(43)).expect(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer realm="referral-service", error="invalid_token"');
  });

  it('marks every answer that carries tokens as not to be stored (RFC 6749 section 5.1)', async () => {
    const phone = nextPhone();
    await stack.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
    const code = await waitForCode(stack, phone);
    const signedIn = await stack.http().post('/api/v1/auth/code/').send({ phone_number: phone, code }).expect(200);
    const refreshed = await refresh(signedIn.body.refresh_token).expect(200);
    for (const answer of [signedIn, refreshed]) {
      expect(answer.headers).toMatchObject({ 'cache-control': 'no-store', pragma: 'no-cache' });
    }
  });

  it('refuses a token in the query string', async () => {
    const user = await createUser(stack);
    await stack.http().get('/api/v1/users/me/').query({ access_token: user.token, token: user.token }).expect(401);
  });

  describe('refuses forged and altered tokens', () => {
    let claims: ReturnType<typeof claimsOf>;
    let key: Awaited<ReturnType<typeof signingKeyOf>>;
    /** A token as the API signs it, with these claims: only what a case changes differs. */
    const good = (payload: object = claims) =>
      forge({ alg: key.alg, typ: 'JWT', kid: key.kid }, payload, key.privatePem);

    beforeAll(async () => {
      claims = claimsOf((await createUser(stack)).token);
      key = await signingKeyOf(stack);
    });

    it('accepts the hand-made copy of a good token (the forgeries below differ in one thing only)', async () => {
      await me(good()).expect(200);
    });

    it('reads the Bearer scheme case-insensitively (RFC 6750), and nothing but one token after it', async () => {
      const token = good();
      const as = (authorization: string) => stack.http().get('/api/v1/users/me/').set('Authorization', authorization);
      await as(`bearer ${token}`).expect(200);
      await as(`BEARER ${token}`).expect(200);
      for (const refused of [`Bearer ${token} extra`, `Basic ${token}`, token, `Bearer`, `Bearer  `])
        expect((await as(refused).expect(401)).body.error).toBe('UNAUTHORIZED');
    });

    it.each([
      [
        'alg none',
        () =>
          `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT', kid: key.kid })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`,
      ],
      // The algorithm-confusion attack: HMAC keyed with the public key everyone can read at the JWKS.
      ['HS256 keyed by the public key', () => forge({ alg: 'HS256', typ: 'JWT', kid: key.kid }, claims, key.publicPem)],
      [
        'HS256 with a shared secret',
        () => forge({ alg: 'HS256', typ: 'JWT' }, claims, 'a-secret-of-more-than-thirty-two-bytes!!'),
      ],
      [
        'another key under our kid',
        () => forge({ alg: 'EdDSA', typ: 'JWT', kid: key.kid }, claims, generateKeyPairSync('ed25519').privateKey),
      ],
      ['an unknown kid', () => forge({ alg: key.alg, typ: 'JWT', kid: 'not-a-key-of-ours' }, claims, key.privatePem)],
      ['no kid', () => forge({ alg: key.alg, typ: 'JWT' }, claims, key.privatePem)],
      ['expired', () => good({ ...claims, exp: Math.floor(Date.now() / 1000) - 1 })],
      ['a wrong audience', () => good({ ...claims, aud: 'someone-else' })],
      ['a wrong issuer', () => good({ ...claims, iss: 'someone-else' })],
      ['no expiry', () => good({ ...claims, exp: undefined })],
      ['no audience', () => good({ ...claims, aud: undefined })],
      ['no session', () => good({ ...claims, sid: undefined })],
      ['an unknown session', () => good({ ...claims, sid: '00000000-0000-4000-8000-000000000000' })],
      [
        'a tampered payload',
        () => {
          const parts = good().split('.');
          const other = Buffer.from(
            JSON.stringify({ ...claims, sub: '00000000-0000-4000-8000-000000000000' }),
          ).toString('base64url');
          return `${parts[0]}.${other}.${parts[2]}`;
        },
      ],
    ])('with %s', async (_case, make) => {
      const response = await me(make()).expect(401);
      expect(response.body.error).toBe('UNAUTHORIZED');
    });
  });

  it('rotates the refresh token: the new one works, the old one stops', async () => {
    const user = await createUser(stack);
    const first = await refresh(user.refreshToken).expect(200);
    expect(first.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 900,
      referral_code: user.referralCode,
      is_new_user: false,
    });
    expect(first.body.refresh_token).not.toBe(user.refreshToken);
    await me(first.body.token).expect(200);
    const second = await refresh(first.body.refresh_token).expect(200);
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
  });

  it('treats reuse of a rotated refresh token as theft: the whole session ends', async () => {
    const user = await createUser(stack);
    const rotated = await refresh(user.refreshToken).expect(200);
    const reuse = await refresh(user.refreshToken).expect(401);
    expect(reuse.body.error).toBe('INVALID_REFRESH_TOKEN');
    // The thief's (or the owner's) newer tokens die with the session.
    await refresh(rotated.body.refresh_token).expect(401);
    await me(rotated.body.token).expect(401);
    await me(user.token).expect(401);
  });

  it('lets only one of two concurrent refreshes with one token through, and then ends the session', async () => {
    const user = await createUser(stack);
    const answers = await Promise.all([refresh(user.refreshToken), refresh(user.refreshToken)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401]);
    const winner = answers.find((answer) => answer.status === 200)!;
    await refresh(winner.body.refresh_token).expect(401);
  });

  it('keeps other sessions of the same user alive when one is revoked', async () => {
    const laptop = await createUser(stack);
    const phoneApp = await startSession(stack, laptop);
    await stack.http().post('/api/v1/auth/logout/').send({ refresh_token: laptop.refreshToken }).expect(204);
    await me(laptop.token).expect(401);
    await me(phoneApp.token).expect(200);
    await refresh(phoneApp.refreshToken).expect(200);
  });

  it('logs out: 204, and the refresh and access tokens stop working', async () => {
    const user = await createUser(stack);
    await stack.http().post('/api/v1/auth/logout/').send({ refresh_token: user.refreshToken }).expect(204);
    await refresh(user.refreshToken).expect(401);
    await me(user.token).expect(401);
    // Logging out twice is harmless.
    await stack.http().post('/api/v1/auth/logout/').send({ refresh_token: user.refreshToken }).expect(204);
  });

  it.each([
    ['an unknown refresh token', { refresh_token: 'A'.repeat(43) }, 401],
    ['a malformed refresh token', { refresh_token: 'not a token!' }, 400],
    ['no refresh token', {}, 400],
  ])('refuses %s', async (_case, body, status) => {
    await stack.http().post('/api/v1/auth/refresh/').send(body).expect(status);
  });

  it('stops a deleted user’s tokens at once', async () => {
    const user = await createUser(stack);
    await stack.http().delete('/api/v1/users/me/').set('Authorization', `Bearer ${user.token}`).expect(204);
    const response = await me(user.token).expect(401);
    expect(response.body.error).toBe('UNAUTHORIZED');
    await refresh(user.refreshToken).expect(401);
  });

  it('gives a deleted user’s phone a brand-new user on the next sign-in', async () => {
    const phone = nextPhone();
    const before = await signIn(stack, phone);
    await stack.http().delete('/api/v1/users/me/').set('Authorization', `Bearer ${before.token}`).expect(204);
    await skipCooldown(stack, phone);
    const after = await signIn(stack, phone);
    expect(after.isNewUser).toBe(true);
    expect(after.referralCode).not.toBe(before.referralCode);
  });
});

describe('every protected route, whatever its group', () => {
  let stack: Stack;
  let operations: Array<{ method: string; path: string }>;

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    const document = (await stack.http().get('/swagger.json').expect(200)).body as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    // From the document, so a new route is held to the same rule without a line here.
    operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, operation]) => operation.security?.length)
        .map(([method]) => ({ method, path: `${path}/` })),
    );
  });
  afterAll(async () => {
    await stack.close();
  });

  /** The request with the user's own username in the path: the route is theirs, so only the session can fail it. */
  const send = ({ method, path }: { method: string; path: string }, user: TestUser) => {
    const request = (stack.http() as unknown as Record<string, (url: string) => import('supertest').Test>)
      [method](path.replace('{username}', user.username))
      .set('Authorization', `Bearer ${user.token}`);
    return ['post', 'put', 'patch'].includes(method) ? request.send({}) : request;
  };

  it('covers every group of protected routes: the profile, the referrals, the users resource', () => {
    const routes = operations.map(({ method, path }) => `${method} ${path}`);
    expect(routes).toEqual(
      expect.arrayContaining([
        'get /api/v1/users/me/',
        'get /api/v1/users/me/referrals/',
        'get /api/v1/users/',
        'post /api/v1/users/',
        'get /api/v1/users/{username}/',
        'patch /api/v1/users/{username}/',
        'put /api/v1/users/{username}/',
        'delete /api/v1/users/{username}/',
        'get /api/v1/users/{username}/referrals/',
      ]),
    );
  });

  it('lets a live session through, and refuses a logged-out session and a deleted user with 401', async () => {
    for (const operation of operations) {
      const route = `${operation.method.toUpperCase()} ${operation.path}`;
      // With a live session the guard lets it through (to whatever the route answers then).
      const live = await send(operation, await createUser(stack));
      expect({ route, status: live.status === 401 ? 401 : 'not 401' }).toEqual({ route, status: 'not 401' });

      const loggedOut = await createUser(stack);
      await stack.http().post('/api/v1/auth/logout/').send({ refresh_token: loggedOut.refreshToken }).expect(204);
      const revoked = await send(operation, loggedOut);
      expect({ route, status: revoked.status, error: revoked.body.error }).toEqual({
        route,
        status: 401,
        error: 'UNAUTHORIZED',
      });

      const gone = await createUser(stack);
      await stack.http().delete('/api/v1/users/me/').set('Authorization', `Bearer ${gone.token}`).expect(204);
      const deleted = await send(operation, gone);
      expect({ route, status: deleted.status, error: deleted.body.error }).toEqual({
        route,
        status: 401,
        error: 'UNAUTHORIZED',
      });
    }
  });
});

describe('the per-address limit on refresh and logout', () => {
  let stack: Stack;

  beforeAll(async () => {
    // Three a minute per client address, read from X-Forwarded-For for the test (a proxy in front).
    stack = await startStack({ env: { TOKEN_IP_RATE_LIMIT: '3/60', TRUST_PROXY: 'true' }, worker: false });
  });
  afterAll(async () => {
    await stack.close();
  });

  const from = (address: string, path: 'refresh' | 'logout', refreshToken: string) =>
    stack.http().post(`/api/v1/auth/${path}/`).set('x-forwarded-for', address).send({ refresh_token: refreshToken });

  it('counts refreshes and logouts of one address together, answers 429 with Retry-After past it, and changes nothing', async () => {
    const guesses = ['refresh', 'logout', 'refresh'] as const;
    for (const [i, path] of guesses.entries()) {
      const answer = await from('203.0.113.7', path, `guessed-refresh-token-${i}`);
      expect(answer.status).toBe(path === 'refresh' ? 401 : 204);
    }
    const user = await createUser(stack);
    for (const path of ['refresh', 'logout'] as const) {
      const limited = await from('203.0.113.7', path, user.refreshToken).expect(429);
      expect(limited.body.error).toBe('RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    }
    // Neither refused request touched the session: its token still refreshes, from another address.
    await from('198.51.100.20', 'refresh', user.refreshToken).expect(200);
  });

  it('leaves every other address its own three', async () => {
    const users = await Promise.all([1, 2, 3].map(() => createUser(stack)));
    for (const [i, user] of users.entries()) {
      const address = `198.51.100.${100 + i}`;
      const rotated = await from(address, 'refresh', user.refreshToken).expect(200);
      const again = await from(address, 'refresh', rotated.body.refresh_token).expect(200);
      await from(address, 'logout', again.body.refresh_token).expect(204);
    }
  });
});
