import { HAS_CHROMIUM, launchChromium } from './support/browser.js';
import { nextPhone, startStack, type Stack } from './support/stack.js';
import { until } from './support/wait.js';

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

    it('shows the code-delivery queue and its jobs: waiting, then completed (kept on Redis, gone at once on PostgreSQL)', async () => {
      type Listed = { name: string; counts: { completed: number }; jobs: Array<{ data: { codeRequestId?: string } }> };
      const listed = async (status: 'waiting' | 'completed'): Promise<Listed> => {
        const response = await fetch(`${base}/admin/queues/api/queues?activeQueue=code-delivery&status=${status}`, {
          headers: { authorization: basic(USER, PASSWORD) },
        });
        expect(response.status).toBe(200);
        const body = (await response.json()) as { queues: Listed[] };
        expect(body.queues.map((queue) => queue.name)).toEqual(['code-delivery']);
        return body.queues[0];
      };
      const job = expect.objectContaining({ data: { codeRequestId: expect.any(String) } });
      // No worker for a moment: the job waits, and is listed with the code request it delivers (never the code).
      await stack.stopWorker();
      const phone = nextPhone();
      const signup = await fetch(`${base}/api/v1/auth/signup/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone_number: phone }),
      });
      expect(signup.status).toBe(202);
      expect((await listed('waiting')).jobs).toEqual(expect.arrayContaining([job]));

      await stack.startWorker();
      await until('the code delivered', async () => {
        const [row] = await stack.db.query<Array<{ delivered: boolean }>>(
          'SELECT delivered_at IS NOT NULL AS delivered FROM code_requests WHERE phone_number = $1',
          [phone],
        );
        return row?.delivered ? true : undefined;
      });
      if (stack.config.queue.backend === 'redis') {
        const completed = await until('the completed job listed', async () => {
          const queue = await listed('completed');
          return queue.counts.completed > 0 ? queue : undefined;
        });
        expect(completed.jobs).toEqual(expect.arrayContaining([job]));
      } else {
        // BullMQ's PostgreSQL backend re-reads every kept job at each completion: none is kept (codeDeliveryJobOptions).
        const [{ id }] = await stack.db.query<Array<{ id: string }>>(
          'SELECT id FROM code_requests WHERE phone_number = $1',
          [phone],
        );
        await until('the completed job removed', async () =>
          (await stack.queue.getJobState(id)) === 'unknown' ? true : undefined,
        );
        expect((await listed('completed')).counts.completed).toBe(0);
      }
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
