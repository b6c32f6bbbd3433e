import fc from 'fast-check';
import { createUser } from './support/factory.js';
import { as, nextPhone, signedInNumbers, startStack, waitForCode, type SignedIn, type Stack } from './support/stack.js';

const SQL_STRINGS = [
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  '" OR ""="',
  '1; SELECT pg_sleep(3); --',
  "') UNION SELECT phone_number, referral_code FROM users --",
  '$1',
  '\\x27; TRUNCATE sessions; --',
];

/** What must never change unless the owner changes it through the API. */
const protectedState = (stack: Stack): Promise<unknown[]> =>
  stack.db.query<unknown[]>(
    `SELECT id, phone_number, referral_code, created_at, deleted_at, referrer_id FROM users ORDER BY id`,
  );

describe('attacks', () => {
  let stack: Stack;
  let alice: SignedIn;
  let admin: SignedIn;

  beforeAll(async () => {
    stack = await startStack({ env: { ADMIN_PHONE_NUMBERS: '+79990066666' } });
    alice = await createUser(stack, nextPhone(), 'alice_sec');
    admin = await createUser(stack, '+79990066666', 'admin_sec');
  });
  afterAll(async () => {
    await stack.close();
  });

  describe('SQL-looking strings in every field', () => {
    const fields: Array<[string, (value: string) => Promise<{ status: number }>]> = [
      ['signup phone_number', (v) => stack.http().post('/api/v1/auth/signup/').send({ phone_number: v })],
      [
        'signup username',
        (v) => stack.http().post('/api/v1/auth/signup/').send({ phone_number: nextPhone(), username: v }),
      ],
      ['code phone_number', (v) => stack.http().post('/api/v1/auth/code/').send({ phone_number: v, code: '1234' })],
      ['code code', (v) => stack.http().post('/api/v1/auth/code/').send({ phone_number: nextPhone(), code: v })],
      ['refresh refresh_token', (v) => stack.http().post('/api/v1/auth/refresh/').send({ refresh_token: v })],
      ['logout refresh_token', (v) => stack.http().post('/api/v1/auth/logout/').send({ refresh_token: v })],
      ['PATCH username', (v) => as(stack, alice).patch('/api/v1/users/me/', { username: v })],
      ['PATCH used_referral_code', (v) => as(stack, alice).patch('/api/v1/users/me/', { used_referral_code: v })],
      ['path username', (v) => as(stack, alice).get(`/api/v1/users/${encodeURIComponent(v)}/`)],
      ['path username (admin)', (v) => as(stack, admin).get(`/api/v1/users/${encodeURIComponent(v)}/`)],
      ['referrals cursor', (v) => as(stack, alice).get('/api/v1/users/me/referrals/').query({ cursor: v })],
      ['referrals limit', (v) => as(stack, alice).get('/api/v1/users/me/referrals/').query({ limit: v })],
      ['users cursor (admin)', (v) => as(stack, admin).get('/api/v1/users/').query({ cursor: v })],
      ['create phone_number (admin)', (v) => as(stack, admin).post('/api/v1/users/', { phone_number: v })],
      [
        'create username (admin)',
        (v) => as(stack, admin).post('/api/v1/users/', { phone_number: nextPhone(), username: v }),
      ],
      ['inbox phone_number', (v) => stack.http().get('/api/v1/dev/sms/').query({ phone_number: v })],
      ['Authorization header', (v) => stack.http().get('/api/v1/users/me/').set('Authorization', `Bearer ${v}`)],
    ];

    it.each(fields)('refuses them in %s with a 4xx, quickly, and changes nothing', async (_field, send) => {
      const before = await protectedState(stack);
      for (const value of SQL_STRINGS) {
        const started = Date.now();
        const response = await send(value);
        // The value rides along, so a failure names it.
        const is4xx = response.status >= 400 && response.status < 500;
        expect({ value, status: response.status, is4xx }).toEqual({ value, status: response.status, is4xx: true });
        // pg_sleep(3) would show here if anything were ever spliced into SQL.
        expect(Date.now() - started).toBeLessThan(2500);
      }
      expect(await protectedState(stack)).toEqual(before);
      const [{ sessions }] = await stack.db.query('SELECT count(*)::int AS sessions FROM sessions');
      expect(sessions).toBeGreaterThan(0);
    });
  });

  describe('random JSON bodies (fast-check)', () => {
    const keys = fc.constantFrom(
      'phone_number',
      'username',
      'code',
      'refresh_token',
      'used_referral_code',
      'referral_code',
      'id',
      'role',
      'is_admin',
      'referrals_count',
      'referral_users_list',
      'created_at',
      '__proto__',
      'constructor',
      'x',
    );
    const leaf = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom(...SQL_STRINGS, '+79990000001', 'ABCDEF', '1234', 'me', ''),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.oneof(
      leaf,
      fc.array(leaf, { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 8 }), leaf, { maxKeys: 3 }),
    );
    const body = fc.oneof(
      { weight: 5, arbitrary: fc.dictionary(keys, value, { maxKeys: 5 }) },
      { weight: 1, arbitrary: fc.jsonValue() },
    );

    const endpoints: Array<[string, (raw: string) => Promise<{ status: number }>]> = [
      [
        'POST /auth/signup/',
        (raw) => stack.http().post('/api/v1/auth/signup/').set('Content-Type', 'application/json').send(raw),
      ],
      [
        'POST /auth/code/',
        (raw) => stack.http().post('/api/v1/auth/code/').set('Content-Type', 'application/json').send(raw),
      ],
      [
        'POST /auth/refresh/',
        (raw) => stack.http().post('/api/v1/auth/refresh/').set('Content-Type', 'application/json').send(raw),
      ],
      [
        'POST /auth/logout/',
        (raw) => stack.http().post('/api/v1/auth/logout/').set('Content-Type', 'application/json').send(raw),
      ],
      [
        'PATCH /users/me/',
        (raw) =>
          stack
            .http()
            .patch('/api/v1/users/me/')
            .set('Authorization', `Bearer ${alice.token}`)
            .set('Content-Type', 'application/json')
            .send(raw),
      ],
      [
        'PUT /users/me/',
        (raw) =>
          stack
            .http()
            .put('/api/v1/users/me/')
            .set('Authorization', `Bearer ${alice.token}`)
            .set('Content-Type', 'application/json')
            .send(raw),
      ],
      [
        'POST /users/ (admin)',
        (raw) =>
          stack
            .http()
            .post('/api/v1/users/')
            .set('Authorization', `Bearer ${admin.token}`)
            .set('Content-Type', 'application/json')
            .send(raw),
      ],
    ];

    it.each(endpoints)('%s never answers 5xx and never changes a protected field', async (_endpoint, send) => {
      const before = await protectedState(stack);
      const users = before.length;
      await fc.assert(
        fc.asyncProperty(body, async (generated) => {
          const response = await send(JSON.stringify(generated));
          expect(response.status).toBeLessThan(500);
        }),
        { numRuns: 150 },
      );
      const after = (await protectedState(stack)) as Array<{ id: string }>;
      // Admins may create users; nobody's protected fields change.
      expect(after.filter((row) => before.some((old) => (old as { id: string }).id === row.id))).toEqual(before);
      expect(after.length).toBeGreaterThanOrEqual(users);
    });
  });

  describe('user enumeration', () => {
    // Numbers of each kind: the answers must be alike for every one (test/bench/latency.bench-spec.ts times 100).
    const COUNT = 25;

    async function answerOf(send: () => Promise<{ status: number; body: unknown }>) {
      const response = await send();
      return { status: response.status, body: response.body };
    }

    it('answers known and unknown numbers with the same bodies (the timings are in the latency bench)', async () => {
      const known = await signedInNumbers(stack, COUNT);
      const unknown = Array.from({ length: COUNT }, () => nextPhone());
      const strip = (body: unknown) => ({
        ...(body as Record<string, unknown>),
        request_id: undefined,
        phone_number: undefined,
      });

      // Asking for a code.
      const signupKnown = [];
      const signupUnknown = [];
      for (let i = 0; i < COUNT; i++) {
        signupKnown.push(
          await answerOf(() => stack.http().post('/api/v1/auth/signup/').send({ phone_number: known[i] })),
        );
        signupUnknown.push(
          await answerOf(() => stack.http().post('/api/v1/auth/signup/').send({ phone_number: unknown[i] })),
        );
      }
      // A wrong code: each number's first wrong try, so no lock is involved. Wrong for
      // sure: a fixed guess would be the real code once in 10,000 tries.
      const wrongFor = (code: string) => (code === '0000' ? '0001' : '0000');
      const wrongKnown: string[] = [];
      const wrongUnknown: string[] = [];
      for (let i = 0; i < COUNT; i++) {
        wrongKnown.push(wrongFor(await waitForCode(stack, known[i], 1))); // the sign-in's message came first
        wrongUnknown.push(wrongFor(await waitForCode(stack, unknown[i])));
      }
      const codeKnown = [];
      const codeUnknown = [];
      for (let i = 0; i < COUNT; i++) {
        codeKnown.push(
          await answerOf(() =>
            stack.http().post('/api/v1/auth/code/').send({ phone_number: known[i], code: wrongKnown[i] }),
          ),
        );
        codeUnknown.push(
          await answerOf(() =>
            stack.http().post('/api/v1/auth/code/').send({ phone_number: unknown[i], code: wrongUnknown[i] }),
          ),
        );
      }

      for (const [a, b] of [
        [signupKnown, signupUnknown],
        [codeKnown, codeUnknown],
      ]) {
        // Any answer unlike the first is shown whole when this fails.
        const all = a.concat(b);
        expect(all.filter((r) => r.status !== all[0].status)).toEqual([]);
        expect(all.filter((r) => JSON.stringify(strip(r.body)) !== JSON.stringify(strip(all[0].body)))).toEqual([]);
      }
    });
  });
});
