import { HAS_CHROMIUM, launchChromium } from './support/browser.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { nextPhone, startStack, type Stack } from './support/stack.js';

const USER = 'ops';
const PASSWORD = 'correct horse battery staple';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('the queue dashboard', () => {
  it('does not exist without QUEUE_DASHBOARD_USER and QUEUE_DASHBOARD_PASSWORD', async () => {
    const stack = await startStack({ worker: false });
    try {
      const response = await stack.http().get('/admin/queues/').auth(USER, PASSWORD).expect(404);
      expect(response.body.error).toBe('NOT_FOUND');
    } finally {
      await stack.close();
    }
  });

  describe('with credentials', () => {
    let stack: Stack;
    let base: string;

    beforeAll(async () => {
      stack = await startStack({
        env: { QUEUE_DASHBOARD_USER: USER, QUEUE_DASHBOARD_PASSWORD: PASSWORD, SMS_DELAY_MS: '10' },
      });
      base = `http://127.0.0.1:${(stack.api.getHttpServer().address() as { port: number }).port}`;
    });
    afterAll(async () => {
      await stack?.close();
    });

    it.each([
      ['no credentials', undefined],
      ['a wrong password', basic(USER, 'wrong')],
      ['a wrong user', basic('root', PASSWORD)],
      ['garbage', 'Basic !!!'],
      ['a Bearer token', 'Bearer x.y.z'],
    ])('refuses %s with 401 and a Basic challenge', async (_case, authorization) => {
      for (const path of ['/admin/queues/', '/admin/queues/api/queues']) {
        const response = await fetch(base + path, { headers: authorization ? { authorization } : {} });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
        expect(await response.json()).toMatchObject({
          status_code: 401,
          error: 'UNAUTHORIZED',
          message: 'Authentication is required: send the dashboard credentials.',
        });
      }
    });

    it('shows the code-delivery queue and its jobs', async () => {
      const signup = await fetch(`${base}/api/v1/auth/signup/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone_number: nextPhone() }),
      });
      expect(signup.status).toBe(202);
      type Listed = { name: string; counts: { completed: number }; jobs: Array<{ data: { codeRequestId?: string } }> };
      let queue: Listed | undefined;
      for (let i = 0; i < 50 && !queue?.counts.completed; i++) {
        const response = await fetch(`${base}/admin/queues/api/queues?activeQueue=code-delivery&status=completed`, {
          headers: { authorization: basic(USER, PASSWORD) },
        });
        expect(response.status).toBe(200);
        const body = (await response.json()) as { queues: Listed[] };
        expect(body.queues.map((listed) => listed.name)).toEqual(['code-delivery']);
        queue = body.queues[0];
        if (!queue.counts.completed) await sleep(100);
      }
      expect(queue?.counts.completed).toBeGreaterThanOrEqual(1);
      // The job itself is listed, with the code request it delivered (never the code).
      expect(queue?.jobs).toEqual(
        expect.arrayContaining([expect.objectContaining({ data: { codeRequestId: expect.any(String) } })]),
      );
    });

    (HAS_CHROMIUM ? it : it.skip)('renders in Chromium', async () => {
      const browser = await launchChromium();
      try {
        const context = await browser.newContext({ httpCredentials: { username: USER, password: PASSWORD } });
        const page = await context.newPage();
        await page.goto(`${base}/admin/queues/`);
        await page.getByText('code-delivery').first().waitFor({ timeout: 20_000 });
        await page.getByText('Referral service').first().waitFor();
      } finally {
        await browser.close();
      }
    });
  });

  describe('read-only unless QUEUE_DASHBOARD_WRITE=true', () => {
    const dashboard = (stack: Stack, method: string, path: string) =>
      stack.http()[method as 'put'](`/admin/queues/api/queues/code-delivery/${path}`).auth(USER, PASSWORD);

    it('refuses every write with 405 and Allow: GET, HEAD, and the queue stays as it was', async () => {
      const stack = await startStack({
        worker: false,
        env: { QUEUE_DASHBOARD_USER: USER, QUEUE_DASHBOARD_PASSWORD: PASSWORD },
      });
      try {
        for (const [method, path] of [
          ['put', 'pause'],
          ['put', 'clean/failed'],
          ['put', 'empty'],
          ['put', 'obliterate'],
          ['put', 'retry/failed'],
          ['post', 'add'],
        ]) {
          const refused = await dashboard(stack, method, path).send({}).expect(405);
          expect(refused.headers.allow).toBe('GET, HEAD');
          expect(refused.body).toMatchObject({ status_code: 405, error: 'METHOD_NOT_ALLOWED' });
        }
        expect(await stack.queue.isPaused()).toBe(false);
        // Reading still works, and Bull Board itself shows the queue as read-only.
        const listed = await stack.http().get('/admin/queues/api/queues').auth(USER, PASSWORD).expect(200);
        expect(listed.body.queues[0]).toMatchObject({ name: 'code-delivery', readOnlyMode: true });
      } finally {
        await stack.close();
      }
    });

    it('pauses and resumes the queue with QUEUE_DASHBOARD_WRITE=true', async () => {
      const stack = await startStack({
        worker: false,
        env: { QUEUE_DASHBOARD_USER: USER, QUEUE_DASHBOARD_PASSWORD: PASSWORD, QUEUE_DASHBOARD_WRITE: 'true' },
      });
      try {
        await dashboard(stack, 'put', 'pause').expect(200);
        expect(await stack.queue.isPaused()).toBe(true);
        await dashboard(stack, 'put', 'resume').expect(200);
        expect(await stack.queue.isPaused()).toBe(false);
      } finally {
        await stack.close();
      }
    });
  });

  describe('wrong credentials, per client address', () => {
    let stack: Stack;

    beforeAll(async () => {
      // Client addresses from X-Forwarded-For for the test (a proxy in front).
      stack = await startStack({
        worker: false,
        env: { QUEUE_DASHBOARD_USER: USER, QUEUE_DASHBOARD_PASSWORD: PASSWORD, TRUST_PROXY: 'true' },
      });
    });
    afterAll(async () => {
      await stack.close();
    });

    const from = (address: string, authorization?: string) => {
      const call = stack.http().get('/admin/queues/api/queues').set('x-forwarded-for', address);
      return authorization ? call.set('authorization', authorization) : call;
    };

    it('refuses an address after 10 wrong tries, the right password included, and no other address', async () => {
      for (let i = 0; i < 10; i++) await from('203.0.113.9', basic(USER, `guess ${i}`)).expect(401);
      const locked = await from('203.0.113.9', basic(USER, 'guess 10')).expect(429);
      expect(locked.body.error).toBe('RATE_LIMITED');
      const right = await from('203.0.113.9', basic(USER, PASSWORD)).expect(429);
      expect(Number(right.headers['retry-after'])).toBeGreaterThan(800);
      expect(Number(right.headers['retry-after'])).toBeLessThanOrEqual(900);
      // The operator on another address is let in.
      await from('198.51.100.9', basic(USER, PASSWORD)).expect(200);
    });

    it('does not count requests without credentials (a browser asks first), nor right ones', async () => {
      for (let i = 0; i < 15; i++) await from('198.51.100.10').expect(401);
      for (let i = 0; i < 15; i++) await from('198.51.100.10', basic(USER, PASSWORD)).expect(200);
      for (let i = 0; i < 9; i++) await from('198.51.100.10', basic('root', PASSWORD)).expect(401);
      await from('198.51.100.10', basic(USER, PASSWORD)).expect(200);
    });
  });
});
