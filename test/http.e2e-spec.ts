import { readFileSync } from 'node:fs';
import { nextPhone, startStack, type Stack } from './support/stack.js';
import { TEST_REDIS_URL } from './support/test-env.js';

describe('HTTP surface', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      env: { CORS_ORIGINS: 'https://app.example.com', OTP_TEST_NUMBERS: '+79990008888:8888' },
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
    for (const [path, file] of [
      ['/app.js', 'apps/api/src/web/public/app.js'],
      ['/redoc/redoc.standalone.js', 'node_modules/redoc/bundles/redoc.standalone.js'],
    ]) {
      const onDisk = readFileSync(file, 'utf8');
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

  it('answers malformed JSON with 400 MALFORMED_JSON and changes nothing', async () => {
    const response = await post('/api/v1/auth/signup/')
      .set('Content-Type', 'application/json')
      .send('{"phone_number": "+7999')
      .expect(400);
    expect(response.body).toMatchObject({ ...errorShape, status_code: 400, error: 'MALFORMED_JSON' });
    const [{ count }] = await stack.db.query('SELECT count(*)::int AS count FROM code_requests');
    expect(count).toBe(0);
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
    await post('/api/v1/auth/signup/').send({ phone_number: '+79990008888' }).expect(202);
    const signedIn = await post('/api/v1/auth/code/').send({ phone_number: '+79990008888', code: '8888' }).expect(200);
    // Pull the sessions table out from under the API for one request.
    await stack.db.query('ALTER TABLE sessions RENAME TO sessions_away');
    try {
      const response = await stack
        .http()
        .get('/api/v1/users/me/')
        .set('Authorization', `Bearer ${signedIn.body.token}`)
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
    await stack.http().get('/api/v1/users/me/').set('Authorization', `Bearer ${signedIn.body.token}`).expect(200);
  });
});

// Redis-specific: on the PostgreSQL backend the queue and the limits share the database's fate.
(TEST_REDIS_URL ? describe : describe.skip)('readiness when Redis is down', () => {
  it('answers 503 naming the queue when Redis cannot be reached', async () => {
    const stack = await startStack({ env: { REDIS_URL: 'redis://127.0.0.1:1' }, worker: false });
    try {
      const response = await stack.http().get('/health/ready').expect(503);
      expect(response.body).toMatchObject({ error: 'SERVICE_UNAVAILABLE', details: [{ field: 'queue' }] });
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
