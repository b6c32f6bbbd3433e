import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BotCheckProvider, SiteVerifyClient, type SiteVerifyOptions } from './siteverify.js';

/**
 * SiteVerifyClient against a local HTTP server that answers as the test says:
 * the providers' documented bodies, and the ways an outbound call goes wrong.
 * The full contract servers (single-use tokens, secret checks) are the e2e tests'.
 */

const SECRET = '0x4AAAAAAAunit-secret-0123';
const SITE_KEY = '0x4AAAAAAAunit-site-key';
const PATHS: Record<BotCheckProvider, string> = {
  turnstile: '/turnstile/v0/siteverify',
  hcaptcha: '/siteverify',
  recaptcha: '/recaptcha/api/siteverify',
};

interface Received {
  method: string;
  url: string;
  contentType: string;
  fields: Record<string, string>;
}

type Handler = (request: IncomingMessage, response: ServerResponse, received: Received) => void;

let server: Server;
let origin: string;
let handler: Handler;
let received: Received[];
const clients: SiteVerifyClient[] = [];

const json = (body: unknown, status = 200): Handler => {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
};

function client(overrides: Partial<SiteVerifyOptions> = {}): SiteVerifyClient {
  const provider = overrides.provider ?? 'turnstile';
  const created = new SiteVerifyClient({
    provider,
    url: `${origin}${PATHS[provider]}`,
    secret: SECRET,
    siteKey: SITE_KEY,
    timeoutMs: 2_000,
    minScore: 0.5,
    hostnames: [],
    ...overrides,
  });
  clients.push(created);
  return created;
}

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const entry: Received = {
        method: request.method ?? '',
        url: request.url ?? '',
        contentType: request.headers['content-type'] ?? '',
        fields: Object.fromEntries(new URLSearchParams(body)),
      };
      received.push(entry);
      handler(request, response, entry);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

beforeEach(() => {
  received = [];
  handler = json({ success: true, 'error-codes': [], challenge_ts: new Date().toISOString(), hostname: 'example.com' });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((each) => each.close()));
  // The silent handlers leave requests open: end them so the next test starts clean.
  server.closeAllConnections();
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('the request', () => {
  it('POSTs secret, response and remoteip as a form to the provider’s path', async () => {
    await client().verify('token-1', '203.0.113.7');
    expect(received).toEqual([
      {
        method: 'POST',
        url: '/turnstile/v0/siteverify',
        contentType: 'application/x-www-form-urlencoded',
        fields: { secret: SECRET, response: 'token-1', remoteip: '203.0.113.7' },
      },
    ]);
  });

  it('sends the site key to hCaptcha, which checks the token against it', async () => {
    await client({ provider: 'hcaptcha' }).verify('token-2', '2001:db8::1');
    expect(received[0].url).toBe('/siteverify');
    expect(received[0].fields).toEqual({
      secret: SECRET,
      response: 'token-2',
      remoteip: '2001:db8::1',
      sitekey: SITE_KEY,
    });
  });

  it('leaves remoteip out when the address is unknown, and sitekey out for reCAPTCHA', async () => {
    await client({ provider: 'recaptcha' }).verify('token-3', null);
    expect(received[0].url).toBe('/recaptcha/api/siteverify');
    expect(received[0].fields).toEqual({ secret: SECRET, response: 'token-3' });
  });

  it('refuses an empty token, and one longer than Turnstile’s 2048 characters, without a call', async () => {
    const siteverify = client();
    expect(await siteverify.verify('', null)).toEqual({ outcome: 'failed', reason: 'no token' });
    expect(await siteverify.verify('x'.repeat(2049), null)).toEqual({
      outcome: 'failed',
      reason: 'token longer than 2048 characters',
    });
    expect(received).toEqual([]);
    expect((await siteverify.verify('x'.repeat(2048), null)).outcome).toBe('passed');
  });
});

describe('an answer', () => {
  it('passes with success true, giving the hostname (and no score when there is none)', async () => {
    expect(await client().verify('token', null)).toEqual({ outcome: 'passed', hostname: 'example.com', score: null });
  });

  it.each([
    ['invalid-input-response'],
    ['timeout-or-duplicate'],
    ['missing-input-response'],
    ['invalid-or-already-seen-response'],
    ['expired-input-response'],
    ['bad-request'],
    ['something-new'],
  ])('fails with %s: the token is refused', async (code) => {
    handler = json({ success: false, 'error-codes': [code] });
    expect(await client().verify('token', null)).toEqual({
      outcome: 'failed',
      reason: `the provider refused the token (${code})`,
    });
  });

  it('fails when the provider says no without a code, and reads Turnstile’s 400 with its JSON body', async () => {
    handler = json({ success: false });
    expect(await client().verify('token', null)).toEqual({
      outcome: 'failed',
      reason: 'the provider refused the token (no error code)',
    });
    handler = json({ success: false, 'error-codes': ['bad-request'] }, 400);
    expect((await client().verify('token', null)).outcome).toBe('failed');
  });

  it.each([
    ['missing-input-secret', 'the provider refused our secret or site key (missing-input-secret)'],
    ['invalid-input-secret', 'the provider refused our secret or site key (invalid-input-secret)'],
    ['invalid-parsed-secret', 'the provider refused our secret or site key (invalid-parsed-secret)'],
    ['sitekey-secret-mismatch', 'the provider refused our secret or site key (sitekey-secret-mismatch)'],
    ['internal-error', 'the provider failed (internal-error)'],
  ])('is unavailable with %s: no fault of the person', async (code, reason) => {
    handler = json({ success: false, 'error-codes': [code] });
    expect(await client().verify('token', null)).toEqual({ outcome: 'unavailable', reason });
  });

  it('never puts the secret in a reason, whatever the provider echoes', async () => {
    handler = json({ success: false, 'error-codes': ['invalid-input-secret', SECRET] });
    const verdict = await client().verify('token', null);
    expect(verdict).toEqual({
      outcome: 'unavailable',
      reason: 'the provider refused our secret or site key (invalid-input-secret, [secret])',
    });
  });
});

describe('the score', () => {
  it('refuses a reCAPTCHA v3 score below the least score, and passes one at or above it', async () => {
    const body = { success: true, challenge_ts: '2026-01-01T00:00:00Z', hostname: 'example.com', action: 'login' };
    handler = json({ ...body, score: 0.1 });
    expect(await client({ provider: 'recaptcha' }).verify('token', null)).toEqual({
      outcome: 'failed',
      reason: 'score 0.1 below 0.5',
    });
    handler = json({ ...body, score: 0.5 });
    expect(await client({ provider: 'recaptcha' }).verify('token', null)).toEqual({
      outcome: 'passed',
      hostname: 'example.com',
      score: 0.5,
    });
  });

  it('reads hCaptcha Enterprise’s score as a risk score: 0.9 is a bot, 0.1 a person', async () => {
    const body = { success: true, challenge_ts: '2026-01-01T00:00:00Z', hostname: 'example.com' };
    handler = json({ ...body, score: 0.9, score_reason: ['bot'] });
    expect(await client({ provider: 'hcaptcha' }).verify('token', null)).toEqual({
      outcome: 'failed',
      reason: 'score 0.1 below 0.5 (hCaptcha risk score 0.9)',
    });
    handler = json({ ...body, score: 0.1, score_reason: ['safe'] });
    expect(await client({ provider: 'hcaptcha' }).verify('token', null)).toEqual({
      outcome: 'passed',
      hostname: 'example.com',
      score: 0.9,
    });
  });
});

describe('the hostname', () => {
  it('refuses a hostname not in the list, and takes one in it whatever its case', async () => {
    const siteverify = client({ hostnames: ['example.com', 'www.example.com'] });
    handler = json({ success: true, hostname: 'evil.example' });
    expect(await siteverify.verify('token', null)).toEqual({
      outcome: 'failed',
      reason: 'hostname evil.example is not allowed',
    });
    handler = json({ success: true, hostname: 'WWW.Example.com' });
    expect(await siteverify.verify('token', null)).toEqual({
      outcome: 'passed',
      hostname: 'WWW.Example.com',
      score: null,
    });
  });

  it('refuses an answer without a hostname when there is a list, and takes it when there is none', async () => {
    handler = json({ success: true });
    expect(await client({ hostnames: ['example.com'] }).verify('token', null)).toEqual({
      outcome: 'failed',
      reason: 'the answer names no hostname',
    });
    expect(await client().verify('token', null)).toEqual({ outcome: 'passed', hostname: null, score: null });
  });
});

describe('when the provider cannot give a verdict', () => {
  it.each([500, 502, 503, 429])('is unavailable on HTTP %i', async (status) => {
    handler = json({ success: false, 'error-codes': ['internal-error'] }, status);
    expect(await client().verify('token', null)).toEqual({
      outcome: 'unavailable',
      reason: `the provider answered HTTP ${status}`,
    });
  });

  it.each([
    ['an HTML page', '<html><body>Bad gateway</body></html>'],
    ['JSON without success', '{"error-codes":[]}'],
    ['a JSON array', '[true]'],
    ['an empty body', ''],
  ])('is unavailable on %s', async (_what, text) => {
    handler = (_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(text);
    expect(await client().verify('token', null)).toEqual({
      outcome: 'unavailable',
      reason: "the provider's answer (HTTP 200) is not the documented JSON",
    });
  });

  it('is unavailable on an answer far larger than any documented one', async () => {
    handler = json({ success: true, hostname: 'example.com', padding: 'x'.repeat(100_000) });
    expect(await client().verify('token', null)).toEqual({
      outcome: 'unavailable',
      reason: "the provider's answer is larger than 65536 bytes",
    });
  });

  it('is unavailable within about the timeout when the provider never answers', async () => {
    handler = () => undefined;
    const started = Date.now();
    const verdict = await client({ timeoutMs: 300 }).verify('token', null);
    const elapsed = Date.now() - started;
    expect(verdict).toEqual({ outcome: 'unavailable', reason: 'no answer within 300 ms' });
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('is unavailable within about the timeout when the body stops halfway', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('{"success": tr');
    };
    const started = Date.now();
    const verdict = await client({ timeoutMs: 300 }).verify('token', null);
    expect(verdict).toEqual({ outcome: 'unavailable', reason: 'no answer within 300 ms' });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('is unavailable when the connection is cut before an answer', async () => {
    handler = (request) => request.socket.destroy();
    const verdict = await client().verify('token', null);
    expect(verdict.outcome).toBe('unavailable');
  });

  it('is unavailable, at once, when nothing listens (connection refused)', async () => {
    const started = Date.now();
    const verdict = await client({ url: 'http://127.0.0.1:9/turnstile/v0/siteverify' }).verify('token', '192.0.2.1');
    expect(verdict).toEqual({ outcome: 'unavailable', reason: 'no connection (ECONNREFUSED)' });
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('the client', () => {
  it('answers many checks at once, each with its own request', async () => {
    const siteverify = client();
    const verdicts = await Promise.all(Array.from({ length: 20 }, (_, i) => siteverify.verify(`token-${i}`, null)));
    expect(verdicts.every((verdict) => verdict.outcome === 'passed')).toBe(true);
    expect(new Set(received.map((entry) => entry.fields.response)).size).toBe(20);
  });

  it('refuses a URL that is not http or https', () => {
    expect(() => client({ url: 'ftp://127.0.0.1/siteverify' })).toThrow('http:// or https://');
  });
});
