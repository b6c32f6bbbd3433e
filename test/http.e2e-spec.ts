import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { createUser } from './support/factory.js';
import { nextPhone, startStack, type Stack } from './support/stack.js';
import { TEST_REDIS_URL } from './support/test-env.js';

describe('HTTP surface', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      env: { CORS_ORIGINS: 'https://app.example.com' },
      worker: false,
    });
  });
  afterAll(async () => {
    await stack.close();
  });

  const post = (path: string) => stack.http().post(path);
  const errorShape = {
    status_code: expect.any(Number),
    error: expect.any(String),
    message: expect.any(String),
    request_id: expect.any(String),
  };

  it('serves the page and the docs bundles gzipped or plain, with an ETag that answers 304', async () => {
    // ReDoc's bundle is served with its one outside address (the Redocly logo) made ours.
    const ownLogo = (text: string) => text.replaceAll('https://cdn.redoc.ly/redoc/logo-mini.svg', '/favicon.svg');
    for (const [path, file, served = (text: string) => text] of [
      ['/app.js', 'apps/api/src/web/public/app.js'],
      ['/redoc/redoc.standalone.js', 'node_modules/redoc/bundles/redoc.standalone.js', ownLogo],
      ['/swagger/swagger-ui-bundle.js', 'node_modules/swagger-ui-dist/swagger-ui-bundle.js'],
    ] as const) {
      const onDisk = served(readFileSync(file, 'utf8'));
      const plain = await stack.http().get(path).set('Accept-Encoding', 'identity').expect(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.text).toBe(onDisk);
      // supertest unzips the body: it must be the same file.
      const zipped = await stack.http().get(path).set('Accept-Encoding', 'gzip').expect(200);
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(zipped.text).toBe(onDisk);
      expect(zipped.headers.etag).toBe(plain.headers.etag);
      await stack.http().get(path).set('If-None-Match', plain.headers.etag).expect(304);
    }
  });

  it("serves a bundle gzipped beforehand: the same bytes of a known length every time, as each client's Accept-Encoding asks", async () => {
    const port = (stack.api.getHttpServer().address() as { port: number }).port;
    const raw = (path: string, headers: Record<string, string>, method = 'GET') =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
        const call = request({ host: '127.0.0.1', port, path, method, headers }, (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () =>
            resolve({ status: answer.statusCode!, headers: answer.headers, body: Buffer.concat(chunks) }),
          );
        });
        call.on('error', reject).end();
      });
    const path = '/swagger/swagger-ui-bundle.js';
    const onDisk = readFileSync('node_modules/swagger-ui-dist/swagger-ui-bundle.js');
    const first = await raw(path, { 'accept-encoding': 'br, gzip;q=0.8' });
    const second = await raw(path, { 'accept-encoding': 'gzip' });
    expect(first.headers).toMatchObject({
      'content-encoding': 'gzip',
      vary: 'accept-encoding',
      'cache-control': 'public, max-age=86400',
    });
    expect(first.body.equals(second.body)).toBe(true);
    // Compressed beforehand, not on the way out: a whole body of known length (a stream would be chunked).
    expect(first.headers['content-length']).toBe(String(first.body.length));
    expect(first.headers['transfer-encoding']).toBeUndefined();
    expect(gunzipSync(first.body).equals(onDisk)).toBe(true);
    expect(first.body.length).toBeLessThan(onDisk.length / 2);
    // gzip;q=0 and no header at all: the plain bytes. HEAD: the headers alone. Any tag (*): 304.
    for (const headers of [{ 'accept-encoding': 'gzip;q=0, identity' }, {}] as Array<Record<string, string>>) {
      const plain = await raw(path, headers);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.body.equals(onDisk)).toBe(true);
    }
    const head = await raw(path, { 'accept-encoding': 'gzip' }, 'HEAD');
    expect([head.status, head.body.length, head.headers.etag]).toEqual([200, 0, first.headers.etag]);
    expect((await raw(path, { 'if-none-match': '*' })).status).toBe(304);
    expect((await raw(path, { 'if-none-match': '"another", ' + String(first.headers.etag) })).status).toBe(304);
    expect((await raw(path, { 'if-none-match': 'W/"another"' })).status).toBe(200);
  });

  it('answers malformed JSON with 400 MALFORMED_JSON and changes nothing', async () => {
    const requests = async () =>
      (await stack.db.query<Array<{ count: number }>>('SELECT count(*)::int AS count FROM code_requests'))[0].count;
    const before = await requests();
    const response = await post('/api/v1/auth/signup/')
      .set('Content-Type', 'application/json')
      .send('{"phone_number": "+7999')
      .expect(400);
    expect(response.body).toMatchObject({ ...errorShape, status_code: 400, error: 'MALFORMED_JSON' });
    expect(await requests()).toBe(before);
  });

  it('answers an empty JSON body with 400 MALFORMED_JSON', async () => {
    const response = await post('/api/v1/auth/signup/').set('Content-Type', 'application/json').send('').expect(400);
    expect(response.body.error).toBe('MALFORMED_JSON');
  });

  it('answers a body over 16 kB with 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await post('/api/v1/auth/signup/')
      .send({ phone_number: nextPhone(), username: 'x'.repeat(17 * 1024) })
      .expect(413);
    expect(response.body).toMatchObject({ status_code: 413, error: 'PAYLOAD_TOO_LARGE' });
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])(
    'answers a %s body with 415 UNSUPPORTED_MEDIA_TYPE',
    async (type) => {
      const response = await post('/api/v1/auth/signup/').set('Content-Type', type).send('phone_number=1').expect(415);
      expect(response.body.error).toBe('UNSUPPORTED_MEDIA_TYPE');
    },
  );

  it('refuses unknown fields, naming them', async () => {
    const response = await post('/api/v1/auth/signup/').send({ phone_number: nextPhone(), admin: true }).expect(400);
    expect(response.body).toMatchObject({
      error: 'VALIDATION_FAILED',
      details: [{ field: 'admin', message: expect.any(String) }],
    });
  });

  it.each([
    ['__proto__', '{"phone_number":"+79990000001","__proto__":{"admin":true}}'],
    ['constructor.prototype', '{"phone_number":"+79990000001","constructor":{"prototype":{"admin":true}}}'],
  ])('refuses a %s key with 400', async (_case, raw) => {
    const response = await post('/api/v1/auth/signup/').set('Content-Type', 'application/json').send(raw).expect(400);
    expect(response.body.error).toBe('VALIDATION_FAILED');
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it.each([
    ['an array', '[]'],
    ['a string', '"+79990000001"'],
    ['null', 'null'],
  ])('refuses %s as the body with VALIDATION_FAILED', async (_case, raw) => {
    const response = await post('/api/v1/auth/signup/').set('Content-Type', 'application/json').send(raw).expect(400);
    expect(response.body.error).toBe('VALIDATION_FAILED');
  });

  it.each([
    ['a number for the phone', { phone_number: 79990000001 }],
    ['a code of 3 digits', { phone_number: '+79990000001', code: '123' }],
    ['a code of letters', { phone_number: '+79990000001', code: 'abcd' }],
    ['a phone of 40 characters', { phone_number: '1'.repeat(40), code: '1234' }],
  ])('refuses %s with VALIDATION_FAILED', async (_case, body) => {
    const response = await post('/api/v1/auth/code/').send(body).expect(400);
    expect(response.body.error).toBe('VALIDATION_FAILED');
    expect(response.body.details.length).toBeGreaterThan(0);
  });

  it.each(['ab', 'me', 'has space', "x'; DROP TABLE users; --"])('refuses the username %j', async (username) => {
    const response = await post('/api/v1/auth/signup/').send({ phone_number: nextPhone(), username }).expect(400);
    expect(response.body.error).toBe('VALIDATION_FAILED');
  });

  it('answers an unknown path with 404 NOT_FOUND in the error shape', async () => {
    const response = await stack.http().get('/api/v1/nothing-here').expect(404);
    expect(response.body).toMatchObject({ ...errorShape, status_code: 404, error: 'NOT_FOUND' });
  });

  it('echoes a sane X-Request-Id and uses it in error bodies', async () => {
    const response = await stack.http().get('/api/v1/nothing-here').set('X-Request-Id', 'trace-42').expect(404);
    expect(response.headers['x-request-id']).toBe('trace-42');
    expect(response.body.request_id).toBe('trace-42');
    const replaced = await stack.http().get('/api/v1/nothing-here').set('X-Request-Id', 'no spaces <allowed>');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets helmet’s security headers', async () => {
    const response = await stack.http().get('/health/live').expect(200);
    expect(response.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': expect.stringContaining('max-age='),
      'content-security-policy': expect.stringContaining("default-src 'self'"),
    });
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  it('allows CORS for the listed origins only', async () => {
    const allowed = await stack
      .http()
      .options('/api/v1/auth/signup/')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'POST');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const refused = await stack
      .http()
      .options('/api/v1/auth/signup/')
      .set('Origin', 'https://evil.example.com')
      .set('Access-Control-Request-Method', 'POST');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers liveness and readiness', async () => {
    await stack.http().get('/health/live').expect(200, { status: 'ok' });
    const ready = await stack.http().get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, queue: { status: 'up' } } });
  });

  it('validates the inbox query', async () => {
    await stack.http().get('/api/v1/dev/sms/').expect(400);
    const response = await stack.http().get('/api/v1/dev/sms/').query({ phone_number: 'nope' }).expect(400);
    expect(response.body.error).toBe('INVALID_PHONE_NUMBER');
    await stack.http().get('/api/v1/dev/sms/').query({ phone_number: nextPhone() }).expect(200, { items: [] });
  });

  it('answers an internal failure with a plain 500 INTERNAL_ERROR: no stack, no SQL', async () => {
    const user = await createUser(stack);
    // Pull the sessions table out from under the API for one request.
    await stack.db.query('ALTER TABLE sessions RENAME TO sessions_away');
    try {
      const response = await stack
        .http()
        .get('/api/v1/users/me/')
        .set('Authorization', `Bearer ${user.token}`)
        .expect(500);
      expect(response.body).toEqual({
        status_code: 500,
        error: 'INTERNAL_ERROR',
        message: 'Something went wrong on our side.',
        request_id: expect.any(String),
      });
      expect(JSON.stringify(response.body)).not.toMatch(/sessions|SELECT|\.ts:|\.js:/);
    } finally {
      await stack.db.query('ALTER TABLE sessions_away RENAME TO sessions');
    }
    await stack.http().get('/api/v1/users/me/').set('Authorization', `Bearer ${user.token}`).expect(200);
  });
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function parseAnswers(received: string): RawAnswer[] {
  const answers: RawAnswer[] = [];
  let rest = received;
  while (rest.startsWith('HTTP/1.1 ') && rest.includes('\r\n\r\n')) {
    const end = rest.indexOf('\r\n\r\n');
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(
      lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
    );
    const length = Number(headers['content-length'] ?? 0);
    if (rest.length < end + 4 + length) break;
    answers.push({ status: Number(statusLine.split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return answers;
}

/** A TCP connection to the API that writes bytes as they are (no client would send them) and reads answers back. */
async function rawConnection(port: number) {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let received = '';
  let closed = false;
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.once('close', () => (closed = true));
  return {
    send: (bytes: string) => socket.write(bytes),
    /** Waits until `count` answers have arrived or the server closed the connection. */
    async answers(count: number): Promise<RawAnswer[]> {
      while (!closed && parseAnswers(received).length < count) await new Promise((resolve) => setTimeout(resolve, 10));
      return parseAnswers(received);
    },
    end: () => socket.destroy(),
  };
}

/** One exchange: the bytes, then the first answer (and any that came with it). */
async function rawExchange(port: number, bytes: string): Promise<RawAnswer[]> {
  const connection = await rawConnection(port);
  connection.send(bytes);
  await connection.answers(1);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const answers = await connection.answers(1);
  connection.end();
  return answers;
}

const portOf = (stack: Stack) => (stack.api.getHttpServer().address() as { port: number }).port;

describe('answers given before Nest sees the request', () => {
  let stack: Stack;
  let security: Record<string, string>;

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    // The headers of an ordinary answer: every other layer must send the same.
    const ordinary = (await stack.http().get('/health/live').expect(200)).headers as Record<string, string>;
    security = Object.fromEntries(
      Object.entries(ordinary).filter(
        ([name]) =>
          name.startsWith('x-') || name.includes('policy') || name.startsWith('strict-') || name.startsWith('origin-'),
      ),
    );
    delete security['x-request-id'];
  });
  afterAll(async () => {
    await stack.close();
  });

  const long = 'u'.repeat(10_000);
  it.each([
    [
      'a path that is not valid percent-encoding',
      'GET /api/v1/users/%ZZ/ HTTP/1.1\r\nHost: a\r\n\r\n',
      400,
      'MALFORMED_REQUEST',
    ],
    [
      'a path parameter over the router’s limit',
      `GET /api/v1/users/${long}/ HTTP/1.1\r\nHost: a\r\n\r\n`,
      414,
      'URI_TOO_LONG',
    ],
    ['a header line without a colon', 'GET /health/live HTTP/1.1\r\nHost a\r\n\r\n', 400, 'MALFORMED_REQUEST'],
    ['a request line that is not HTTP', `BREW /health/live HTCPCP/1.0\r\n\r\n`, 400, 'MALFORMED_REQUEST'],
    [
      'headers over the limit',
      `GET /health/live HTTP/1.1\r\nHost: a\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
      431,
      'HEADERS_TOO_LARGE',
    ],
  ])('answers %s in the error body, with the same headers, echoing nothing', async (_case, bytes, status, error) => {
    const [answer, ...more] = await rawExchange(portOf(stack), bytes);
    expect(more).toEqual([]);
    expect(answer.status).toBe(status);
    const body = JSON.parse(answer.body);
    expect(body).toEqual({ status_code: status, error, message: expect.any(String), request_id: expect.any(String) });
    expect(answer.headers['x-request-id']).toBe(body.request_id);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    for (const [name, value] of Object.entries(security))
      expect({ name, value: answer.headers[name] }).toEqual({ name, value });
    expect(answer.body.length).toBeLessThan(300);
    // The request id is random hex: "bbbb" turns up in one of about 2,000 of them.
    expect(JSON.stringify({ ...body, request_id: null })).not.toMatch(/uuuu|%ZZ|bbbb|BREW/);
  });

  it('answers requests that arrive while it shuts down with 503 in the error body', async () => {
    const closing = await startStack({ worker: false });
    const user = await createUser(closing);
    // The first request waits on a lock, so the connection is busy when the shutdown begins.
    const locker = new pg.Client({ connectionString: closing.config.database.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE');
    const request = `GET /api/v1/users/me/ HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ${user.token}\r\n\r\n`;
    const connection = await rawConnection(portOf(closing));
    connection.send(request);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const closed = closing.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    connection.send(request);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await locker.query('COMMIT');
    await locker.end();
    const [first, second] = await connection.answers(2);
    connection.end();
    await closed;
    expect(first.status).toBe(200);
    expect(second.status).toBe(503);
    expect(JSON.parse(second.body)).toMatchObject({ status_code: 503, error: 'SERVICE_UNAVAILABLE' });
    expect(second.headers).toMatchObject({ 'retry-after': '1', connection: 'close', ...security });
  });
});

// Redis-specific: on the PostgreSQL backend the queue and the limits share the database's fate.
(TEST_REDIS_URL ? describe : describe.skip)('readiness when Redis is down', () => {
  it('answers 503 naming the queue when Redis cannot be reached', async () => {
    const stack = await startStack({ env: { REDIS_URL: 'redis://127.0.0.1:1' }, worker: false });
    try {
      const response = await stack.http().get('/health/ready').expect(503);
      expect(response.body).toMatchObject({
        error: 'SERVICE_UNAVAILABLE',
        details: [{ field: 'queue', message: 'down' }],
      });
      // Which dependency, and nothing of its error (a host, a port, a driver's message).
      expect(JSON.stringify(response.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|:1\b/);
      // Without Redis the per-IP limit cannot be checked: refuse, fast, rather than let SMS through unlimited.
      const started = Date.now();
      const signup = await stack.http().post('/api/v1/auth/signup/').send({ phone_number: nextPhone() }).expect(503);
      expect(signup.body.error).toBe('SERVICE_UNAVAILABLE');
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      await stack.close();
    }
  });
});
