import { until } from './support/wait.js';
import { nextPhone } from './support/phones.js';
import { postJson, startDeployment, type Deployment } from './support/processes.js';

/** The request log of the built API (Fastify's log controller on the shared pino logger): one line per request, whatever the route. */
describe('the request log', () => {
  let deployment: Deployment;

  beforeAll(async () => {
    deployment = await startDeployment({ workers: 0, env: { LOG_LEVEL: 'debug' } });
  });
  afterAll(async () => {
    await deployment.stop();
  });

  it('writes one line per request, inside the API prefix or not, and no header, body or query string', async () => {
    const { base, process } = deployment.apis[0];
    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.secret-signature';
    const ids = ['log-live', 'log-ready', 'log-signup', 'log-missing', 'log-me', 'log-inbox', 'log-user', 'log-typed'];
    const phone = nextPhone();
    const sent = [
      fetch(`${base}/health/live`, { headers: { 'x-request-id': ids[0] } }),
      fetch(`${base}/health/ready`, { headers: { 'x-request-id': ids[1] } }),
      postJson(`${base}/api/v1/auth/signup/`, { phone_number: phone }, { 'x-request-id': ids[2] }),
      fetch(`${base}/api/v1/nothing-here`, { headers: { 'x-request-id': ids[3] } }),
      fetch(`${base}/api/v1/users/me/`, { headers: { 'x-request-id': ids[4], authorization: `Bearer ${token}` } }),
      fetch(`${base}/api/v1/dev/sms/?phone_number=%2B79991234567`, { headers: { 'x-request-id': ids[5] } }),
      // A phone where a username goes, and one in a path no route has, as a person would type it.
      fetch(`${base}/api/v1/users/${encodeURIComponent(phone)}/`, { headers: { 'x-request-id': ids[6] } }),
      fetch(`${base}/api/v1/lookup/+7 999 123-45-68/`, { headers: { 'x-request-id': ids[7] } }),
    ];
    await Promise.all(sent);
    // Each answer's line is written when the answer is sent: wait until every id has its request line.
    const logged = (id: string) =>
      process
        .output()
        .split('\n')
        .some((line) => line.includes(`"reqId":"${id}"`) && line.includes('"msg":"request"'));
    await until('every request logged', () => (ids.every(logged) ? true : undefined));
    const lines = process
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; reqId?: string; url?: string; status?: number });
    const requests = lines.filter((line) => line.msg === 'request');
    for (const id of ids) {
      expect({ id, lines: requests.filter((line) => line.reqId === id).length }).toEqual({ id, lines: 1 });
    }
    const byId = (id: string) => requests.find((line) => line.reqId === id)!;
    expect(byId('log-live')).toMatchObject({ url: '/health/live', status: 200, method: 'GET' });
    expect(byId('log-missing')).toMatchObject({ status: 404 });
    // A matched request is logged by its route pattern: no username, no query.
    expect(byId('log-inbox').url).toBe('/api/v1/dev/sms');
    expect(byId('log-user').url).toBe('/api/v1/users/:username');
    expect(byId('log-typed')).toMatchObject({ status: 404, url: '/api/v1/lookup/[phone]/' });
    expect(process.output()).not.toContain('secret-signature');
    for (const digits of ['79991234567', phone.slice(1), '999 123-45-68'])
      expect(process.output()).not.toContain(digits);
  });

  it("puts Nest's listing of every module and route at debug", () => {
    const lines = deployment.apis[0].process
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; context?: string; msg?: string });
    const listings = lines.filter((line) =>
      ['InstanceLoader', 'RouterExplorer', 'RoutesResolver'].includes(line.context!),
    );
    expect(listings.length).toBeGreaterThan(20);
    expect(listings.every((line) => line.level === 20)).toBe(true);
  });
});

describe('the log at info, as a person reads it (LOG_FORMAT=pretty)', () => {
  let deployment: Deployment;

  beforeAll(async () => {
    deployment = await startDeployment({ workers: 1, env: { LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' } });
  });
  afterAll(async () => {
    await deployment.stop();
  });

  it('writes one short line per message, no JSON, no listing of routes and no passing health check', async () => {
    const { base, process } = deployment.apis[0];
    await fetch(`${base}/health/live`);
    await fetch(`${base}/api/v1/nothing-here`);
    // The lines come in the order of the requests: once the 404's is there, a health check's would be too.
    await until('the 404 logged', () => (process.output().includes('/api/v1/nothing-here 404') ? true : undefined));
    const lines = process.output().split('\n').filter(Boolean);
    expect(lines.filter((line) => line.startsWith('{'))).toEqual([]);
    expect(lines.some((line) => / INFO: api: request GET \/api\/v1\/nothing-here 404 \d+ ms$/.test(line))).toBe(true);
    expect(lines.filter((line) => line.includes('/health/'))).toEqual([]);
    expect(lines.filter((line) => /Mapped|RouterExplorer|InstanceLoader/.test(line))).toEqual([]);
    // What a start says at info: metrics' address and Fastify's listening line (and migrations, on a fresh database).
    const start = lines.filter((line) => !line.includes('request'));
    expect(start.length).toBeLessThanOrEqual(3);
    expect(lines.every((line) => line.length < 200)).toBe(true);
    expect(
      deployment.workers[0]
        .output()
        .split('\n')
        .filter(Boolean)
        .every((line) => !line.startsWith('{')),
    ).toBe(true);
  });
});
