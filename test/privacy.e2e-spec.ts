import fc from 'fast-check';
import { networkInterfaces } from 'node:os';
import { createUser } from './support/factory.js';
import { startStack, type Stack } from './support/stack.js';

const ADMIN = '+79990000003';

/** One operation of the served OpenAPI document. */
interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  takesBody: boolean;
}

/** The path with its parameters filled: the caller's own username, a well-formed id for the rest. */
const urlOf = ({ path }: Operation) =>
  path.replace('{username}', 'me').replace(/\{[^}]+\}/g, '00000000-0000-0000-0000-000000000000');

let stack: Stack;
let operations: Operation[];

beforeAll(async () => {
  stack = await startStack({ env: { ADMIN_PHONE_NUMBERS: ADMIN }, worker: false });
  const document = (await stack.http().get('/swagger.json').expect(200)).body as {
    paths: Record<string, Record<string, { requestBody?: unknown }>>;
  };
  operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, operation]) => ({
        method: method as Operation['method'],
        path,
        takesBody: Boolean(operation.requestBody),
      })),
  );
});
afterAll(async () => {
  await stack.close();
});

/** SPEC section 11: no answer that can carry personal data or tokens may be kept by a cache. */
describe('Cache-Control on every operation of the document', () => {
  it('answers every operation, as an admin and as nobody, right or refused, with no-store', async () => {
    const admin = await createUser(stack, ADMIN);
    const missing: string[] = [];
    // The admin's own answers carry the most; the anonymous ones are the refusals.
    for (const token of [admin.token, null]) {
      for (const operation of operations) {
        const { method, path } = operation;
        const sent = stack.http()[method](urlOf(operation));
        if (token) void sent.set('Authorization', `Bearer ${token}`);
        const response = ['post', 'put', 'patch'].includes(method) ? await sent.send({}) : await sent;
        // Terminus answers the health checks with its own `no-cache, no-store, must-revalidate`. The public
        // key set and its discovery document are the same for everyone and meant to be cached (SPEC section 12).
        const cacheControl = String(response.headers['cache-control']);
        if (path.startsWith('/.well-known/')) {
          if (cacheControl !== 'public, max-age=300') missing.push(`${method.toUpperCase()} ${path}: ${cacheControl}`);
        } else if (!/(^|,\s*)no-store(,|$)/.test(cacheControl)) {
          missing.push(`${method.toUpperCase()} ${path} ${response.status}: ${response.headers['cache-control']}`);
        }
      }
    }
    expect(operations.length).toBeGreaterThanOrEqual(20);
    expect(missing).toEqual([]);
  });
});

/** SPEC section 11: an error names an unknown key once, cut short, and lists a few details at most. */
describe('errors echo nothing at length', () => {
  it('keeps every answer small whatever the keys: long ones, many ones, to every body-taking operation', async () => {
    const admin = await createUser(stack, ADMIN);
    const bodyTaking = operations.filter((operation) => operation.takesBody);
    expect(bodyTaking.length).toBeGreaterThanOrEqual(7);
    let largest = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...bodyTaking),
        fc.integer({ min: 1, max: 14_000 }),
        fc.integer({ min: 1, max: 1_200 }),
        async (operation, keyLength, keyCount) => {
          const body: Record<string, number> = {};
          // Many keys, or one long one, within the 16 kB body limit.
          if (keyCount > 1) for (let i = 0; i < keyCount; i++) body[`k${i}`] = 1;
          else body['x'.repeat(keyLength)] = 1;
          const response = await stack
            .http()
            [operation.method](urlOf(operation))
            .set('Authorization', `Bearer ${admin.token}`)
            .send(body);
          const size = Buffer.byteLength(response.text);
          largest = Math.max(largest, size);
          expect(response.status).toBeGreaterThanOrEqual(400);
          expect(size).toBeLessThan(2_048);
          for (const detail of (response.body as { details?: Array<{ field: string; message: string }> }).details ??
            []) {
            expect(detail.field.length).toBeLessThanOrEqual(64);
            expect(detail.message.length).toBeLessThanOrEqual(200);
          }
        },
      ),
      { numRuns: 60 },
    );
    console.log(`the largest error answer any of ${bodyTaking.length} body-taking operations gave: ${largest} bytes`);
  });

  it('names a 12,000-character unknown key once, cut short, and counts a thousand past the tenth', async () => {
    const long = await stack
      .http()
      .post('/api/v1/auth/refresh/')
      .send({ refresh_token: 'x'.repeat(43), ['k'.repeat(12_000)]: 1 })
      .expect(400);
    expect(long.body.details).toEqual([
      { field: `${'k'.repeat(63)}…`, message: `property ${'k'.repeat(63)}… should not exist` },
    ]);
    const many: Record<string, number> = { refresh_token: 0 };
    for (let i = 0; i < 1_000; i++) many[`k${i}`] = 1;
    const listed = await stack.http().post('/api/v1/auth/refresh/').send(many).expect(400);
    expect(listed.body.details).toHaveLength(11);
    expect(listed.body.details[10]).toEqual({ field: 'body', message: expect.stringMatching(/^and \d+ more$/) });
    expect(Buffer.byteLength(listed.text)).toBeLessThan(2_048);
  });
});

/** This machine's first address that is not loopback: another host's view of it. */
function outsideAddress(): string {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((candidate) => candidate && candidate.family === 'IPv4' && !candidate.internal)?.address;
  if (!address) throw new Error('this machine has no IPv4 address besides loopback to test the inbox from');
  return address;
}

/** SPEC section 11: the simulated inbox (sign-in codes) answers the machine itself, whatever a client writes. */
describe('the simulated inbox', () => {
  const inboxOf = (host: string, port: number, headers: Record<string, string> = {}) =>
    fetch(`http://${host}:${port}/api/v1/dev/sms/?phone_number=%2B79990001234`, { headers });

  it('answers loopback, and refuses another address with 403 even when it writes 127.0.0.1 as X-Forwarded-For', async () => {
    const open = await startStack({ worker: false, host: '0.0.0.0', env: { TRUST_PROXY: 'true' } });
    try {
      const port = (open.api.getHttpServer().address() as { port: number }).port;
      expect((await inboxOf('127.0.0.1', port)).status).toBe(200);
      for (const headers of [{}, { 'x-forwarded-for': '127.0.0.1' }] as Array<Record<string, string>>) {
        const refused = await inboxOf(outsideAddress(), port, headers);
        expect(refused.status).toBe(403);
        expect(await refused.json()).toMatchObject({
          error: 'FORBIDDEN',
          message: expect.stringMatching(/this machine/),
        });
      }
    } finally {
      await open.close();
    }
  });

  it('answers the addresses DEV_INBOX_FROM names (the compose demo: its network gateway)', async () => {
    const outside = outsideAddress();
    const named = await startStack({ worker: false, host: '0.0.0.0', env: { DEV_INBOX_FROM: `${outside}/32` } });
    try {
      const port = (named.api.getHttpServer().address() as { port: number }).port;
      expect((await inboxOf(outside, port)).status).toBe(200);
      expect((await inboxOf('127.0.0.1', port)).status).toBe(200);
    } finally {
      await named.close();
    }
  });
});
