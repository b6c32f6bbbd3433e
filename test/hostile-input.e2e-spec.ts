import fc from 'fast-check';
import sjson from 'secure-json-parse';
import { createUser } from './support/factory.js';
import { startStack, type SignedIn, type Stack } from './support/stack.js';

/**
 * Classes of input that pass a shape check but that PostgreSQL, class-transformer
 * or the router would choke on, generated for every operation of the OpenAPI
 * document, every body field, every path and every query parameter: a new
 * endpoint is covered without a line here. Each must be a 4xx in the error body
 * (every answer is also checked against the document by the test helper), and
 * none may change anything.
 */

interface Schema {
  $ref?: string;
  type?: string;
  example?: unknown;
  properties?: Record<string, Schema>;
}
interface Parameter {
  name: string;
  in: 'path' | 'query';
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}
interface Target {
  name: string;
  method: string;
  path: string;
  pathParams: string[];
  queryParams: string[];
  /** The body's fields with a valid example value each; null for an operation without a body. */
  body: Record<string, unknown> | null;
}

/** Every operation that takes input, from the document the API serves. */
function targetsOf(document: {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}): Target[] {
  const resolve = (schema: Schema): Schema =>
    schema.$ref ? document.components.schemas[schema.$ref.split('/').pop()!] : schema;
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).flatMap(([method, operation]) => {
      const parameters = operation.parameters ?? [];
      const bodySchema = operation.requestBody?.content['application/json']?.schema;
      const body = bodySchema
        ? Object.fromEntries(
            Object.entries(resolve(bodySchema).properties ?? {}).map(([field, schema]) => [
              field,
              schema.example ?? 'x',
            ]),
          )
        : null;
      const target: Target = {
        name: `${method.toUpperCase()} ${path}`,
        method,
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        body,
      };
      if (SIGNED_BODIES.has(target.name)) return [];
      return target.pathParams.length + target.queryParams.length > 0 || body ? [target] : [];
    }),
  );
}

/**
 * WhatsApp's and Telegram's hooks read nothing of a body before its signature checks out (an unsigned one is
 * 403 SIGNATURE_INVALID, whatever it holds): their hostile bodies, signed and not, are test/channels.e2e-spec.ts's.
 */
const SIGNED_BODIES = new Set([
  'POST /api/v1/hooks/whatsapp',
  'GET /api/v1/hooks/whatsapp',
  'POST /api/v1/hooks/telegram',
]);

/** A username nobody has: operations on it get as far as their input checks, and change nothing. */
const NOBODY = 'nobody_here';

/** Strings with a NUL somewhere: PostgreSQL cannot store one in text. */
const withNul = fc
  .tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }))
  .map(([before, after]) => `${before}\u0000${after}`);

/** Numbers JSON can carry but PostgreSQL's integer, bigint or numeric types cannot all hold, and their text. */
const outOfRange = fc.oneof(
  fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 63, Number.MAX_SAFE_INTEGER + 2, 1e308, -1e308, 5e-324, -0),
  fc.double({ noNaN: true }),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map((n) => Number(n)),
);
const outOfRangeText = fc.oneof(
  outOfRange.map(String),
  fc.constantFrom('1e400', '-1e400', 'NaN', 'Infinity', '9'.repeat(40), '0x7fffffffffffffff', '1.5', '-1', '0'),
);

/** Keyset cursors whose every part is wrong in some way: impossible dates, wrong types, wrong ids. */
const pad = (n: number, width: number) => String(n).padStart(width, '0');
const timestamp = fc
  .tuple(
    fc.integer({ min: 0, max: 10_000 }),
    fc.integer({ min: 0, max: 99 }),
    fc.integer({ min: 0, max: 99 }),
    fc.integer({ min: 0, max: 99 }),
    fc.integer({ min: 0, max: 99 }),
    fc.integer({ min: 0, max: 99 }),
    fc.integer({ min: 0, max: 999_999 }),
  )
  .map(
    ([y, mo, d, h, mi, s, us]) =>
      `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)} ${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(us, 6)}`,
  );
const cursorPart = fc.oneof(timestamp, fc.uuid(), outOfRange, fc.constant(null), fc.array(fc.uuid(), { maxLength: 2 }));
const cursor = fc
  .oneof(fc.tuple(timestamp, fc.uuid()), fc.tuple(cursorPart, cursorPart), fc.array(cursorPart, { maxLength: 4 }))
  .map((parts) => Buffer.from(JSON.stringify(parts)).toString('base64url'));

/** `[[[…]]]` or `{"a":{"a":…}}` this many levels deep, written out (no recursion on our side either). */
const nested = (depth: number, kind: 'array' | 'object', inside = '1') =>
  kind === 'array'
    ? '['.repeat(depth) + inside + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + inside + '}'.repeat(depth);
// Both just past the limit and deep enough to overflow class-transformer's recursion (about 1,500 levels).
const deep = fc.record({
  depth: fc.oneof(fc.integer({ min: 9, max: 100 }), fc.integer({ min: 1400, max: 2500 })),
  kind: fc.constantFrom('array', 'object'),
} as const);

/** JSON documents that are not objects. */
const notAnObject = fc.oneof(
  fc.constantFrom('null', 'true', 'false', '0', '-1', '1e308', '""', '"{}"', '[]', '[{}]', '[null]'),
  fc
    .jsonValue()
    .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value))
    .map((value) => JSON.stringify(value)),
);

/** Path segments the router cannot decode or will not take. */
const badSegment = fc.oneof(
  fc.constantFrom('%', '%Z', '%ZZ', '%C0%AF', '%ED%A0%80', '%FF', '%E2%82', '%00', 'a%00b'),
  fc.integer({ min: 101, max: 4000 }).map((length) => 'u'.repeat(length)),
);

describe('hostile input, generated for every operation, field and parameter', () => {
  let stack: Stack;
  let admin: SignedIn;
  let targets: Target[];

  beforeAll(async () => {
    stack = await startStack({ env: { ADMIN_PHONE_NUMBERS: '+79990077777' }, worker: false });
    admin = await createUser(stack, '+79990077777', 'admin_hostile');
    targets = targetsOf((await stack.http().get('/swagger.json').expect(200)).body);
  });
  afterAll(async () => {
    await stack.close();
  });

  /** What must never change: every user and session, as stored. */
  const state = () =>
    stack.db.query(
      `SELECT u.*, (SELECT count(*) FROM sessions s WHERE s.user_id = u.id AND s.revoked_at IS NULL) AS sessions
         FROM users u ORDER BY id`,
    );
  const codeRequests = async () => (await stack.db.query('SELECT count(*)::int AS n FROM code_requests'))[0].n;

  function send(
    target: Target,
    input: { path?: Record<string, string>; query?: Record<string, string>; rawBody?: string },
  ) {
    const path = target.path.replace(/\{(\w+)\}/g, (_, name: string) => input.path?.[name] ?? NOBODY);
    const query = new URLSearchParams(input.query ?? {}).toString();
    let request = (stack.http() as unknown as Record<string, (url: string) => import('supertest').Test>)
      [target.method](`${path}/${query ? `?${query}` : ''}`)
      .set('Authorization', `Bearer ${admin.token}`);
    const body = input.rawBody ?? (target.body ? JSON.stringify(target.body) : undefined);
    if (body !== undefined) request = request.set('Content-Type', 'application/json').send(body);
    return request;
  }

  /** Whether the API's JSON parser refuses this body for a `__proto__` or `constructor.prototype` key. */
  function carriesPrototypeKey(rawBody: string): boolean {
    try {
      sjson.parse(rawBody, { protoAction: 'error', constructorAction: 'error' });
      return false;
    } catch {
      return true;
    }
  }

  /** A 400 whose details name the field, so the refusal is about the input we made hostile. */
  function expectRefused(
    response: { status: number; body: { error?: string; details?: Array<{ field: string }> } },
    field: string | null,
  ) {
    expect({ status: response.status, error: response.body.error }).toEqual({
      status: 400,
      error: 'VALIDATION_FAILED',
    });
    if (field) {
      expect((response.body.details ?? []).some((detail) => detail.field.split('.')[0] === field)).toBe(true);
    }
  }

  async function unchanged(work: () => Promise<void>) {
    const [before, requests] = [await state(), await codeRequests()];
    await work();
    expect(await state()).toEqual(before);
    expect(await codeRequests()).toBe(requests);
  }

  it('finds every operation that takes input in the document', () => {
    expect(targets.map((target) => target.name).sort()).toEqual(
      [
        'POST /api/v1/auth/signup',
        'POST /api/v1/auth/code',
        'POST /api/v1/auth/refresh',
        'POST /api/v1/auth/logout',
        'GET /api/v1/users',
        'POST /api/v1/users',
        'GET /api/v1/users/{username}',
        'PATCH /api/v1/users/{username}',
        'PUT /api/v1/users/{username}',
        'DELETE /api/v1/users/{username}',
        'GET /api/v1/users/{username}/referrals',
        'GET /api/v1/users/me/referrals',
        'GET /api/v1/dev/sms',
        'GET /api/v1/referrals/leaderboard',
        'GET /api/v1/admin/events',
        'POST /api/v1/admin/events/{id}/redeliver',
        'DELETE /api/v1/users/me/sessions/{id}',
        'POST /api/v1/users/me/phone',
        'POST /api/v1/users/me/phone/confirm',
        'POST /api/v1/admin/api-keys',
        'DELETE /api/v1/admin/api-keys/{id}',
        'POST /api/v1/referrals/qualify',
        'POST /api/v1/referrals/void',
        'GET /api/v1/admin/referrals',
        'GET /api/v1/admin/referrals/{id}',
        'POST /api/v1/admin/referrals/{id}/approve',
        'POST /api/v1/admin/referrals/{id}/reject',
        'POST /api/v1/rewards/{id}/fulfill',
        'GET /api/v1/users/me/rewards',
        // The receipts that may come as JSON; Twilio's and SMS.ru's are forms only.
        'POST /api/v1/hooks/sms/vonage',
      ].sort(),
    );
  });

  it('refuses a NUL character in any body field, path or query parameter, and in a key', async () => {
    await unchanged(async () => {
      for (const target of targets) {
        const cases = [
          ...Object.keys(target.body ?? {}).map((field) => ({
            field,
            make: (v: string) => ({ rawBody: JSON.stringify({ ...target.body, [field]: v }) }),
          })),
          ...(target.body
            ? [{ field: null, make: (v: string) => ({ rawBody: JSON.stringify({ ...target.body, [v]: 'x' }) }) }]
            : []),
          ...target.pathParams.map((name) => ({
            field: name,
            make: (v: string) => ({ path: { [name]: encodeURIComponent(v) } }),
          })),
          ...target.queryParams.map((name) => ({ field: name, make: (v: string) => ({ query: { [name]: v } }) })),
        ];
        for (const { field, make } of cases) {
          await fc.assert(
            fc.asyncProperty(withNul, async (value) => expectRefused(await send(target, make(value)), field)),
            { numRuns: 15 },
          );
        }
      }
    });
  });

  it('refuses numbers beyond any column type, in any body field', async () => {
    await unchanged(async () => {
      for (const target of targets.filter((t) => t.body)) {
        for (const field of Object.keys(target.body!)) {
          await fc.assert(
            fc.asyncProperty(outOfRange, async (value) =>
              expectRefused(await send(target, { rawBody: JSON.stringify({ ...target.body, [field]: value }) }), field),
            ),
            { numRuns: 15 },
          );
        }
      }
    });
  });

  it('refuses null in any body field, required or optional (null is not "absent")', async () => {
    await unchanged(async () => {
      for (const target of targets.filter((t) => t.body)) {
        for (const field of Object.keys(target.body!)) {
          expectRefused(await send(target, { rawBody: JSON.stringify({ ...target.body, [field]: null }) }), field);
        }
      }
    });
  });

  it('answers any number text in a query parameter with 200 or 400, never 5xx', async () => {
    await unchanged(async () => {
      for (const target of targets.filter((t) => t.queryParams.length > 0)) {
        for (const name of target.queryParams) {
          await fc.assert(
            fc.asyncProperty(outOfRangeText, async (value) => {
              const response = await send(target, { path: { username: 'me' }, query: { [name]: value } });
              expect([200, 400]).toContain(response.status);
            }),
            { numRuns: 25 },
          );
        }
      }
    });
  });

  it('answers any cursor with a page or 400, never 5xx: impossible dates, wrong types, wrong ids', async () => {
    await unchanged(async () => {
      for (const target of targets.filter((t) => t.queryParams.includes('cursor'))) {
        await fc.assert(
          fc.asyncProperty(cursor, async (value) => {
            const response = await send(target, { path: { username: 'me' }, query: { cursor: value } });
            if (response.status !== 200) expectRefused(response, 'cursor');
          }),
          { numRuns: 150 },
        );
        // The two the issue saw, always among them.
        for (const at of ['2024-13-45 25:61:61.000000', '0000-01-01 00:00:00.000000']) {
          const value = Buffer.from(JSON.stringify([at, '0b7f7a38-5f64-4a0e-9a4f-1f5d3c1c2b11'])).toString('base64url');
          expectRefused(await send(target, { path: { username: 'me' }, query: { cursor: value } }), 'cursor');
        }
      }
    });
  });

  it('refuses a body nested deeper than any real one, at the top or inside a field', async () => {
    await unchanged(async () => {
      for (const target of targets.filter((t) => t.body)) {
        const fields = Object.keys(target.body!);
        await fc.assert(
          fc.asyncProperty(deep, fc.constantFrom(null, ...fields), async ({ depth, kind }, field) => {
            const rawBody =
              field === null
                ? nested(depth, 'object', JSON.stringify(target.body))
                : JSON.stringify({ ...target.body, [field]: '\u0001' }).replace('"\\u0001"', nested(depth, kind));
            expectRefused(await send(target, { rawBody }), field ?? 'a');
          }),
          { numRuns: 20 },
        );
      }
    });
  });

  it('refuses any JSON body that is not an object', async () => {
    await unchanged(async () => {
      for (const target of targets.filter((t) => t.body)) {
        await fc.assert(
          // A body that also carries a prototype key is refused for that key first (json-body.ts): either reason names it.
          fc.asyncProperty(notAnObject, async (rawBody) =>
            expectRefused(await send(target, { rawBody }), carriesPrototypeKey(rawBody) ? '__proto__' : 'body'),
          ),
          { numRuns: 20 },
        );
      }
    });
  });

  it('answers path segments the router cannot decode or will not take in the error body', async () => {
    await unchanged(async () => {
      for (const target of targets.filter((t) => t.pathParams.length > 0)) {
        await fc.assert(
          fc.asyncProperty(badSegment, async (segment) => {
            const response = await send(target, { path: { username: segment } });
            expect(response.status).toBeGreaterThanOrEqual(400);
            expect(response.status).toBeLessThan(500);
            expect(JSON.stringify(response.body).length).toBeLessThan(1000);
          }),
          { numRuns: 25 },
        );
      }
    });
  });
});
