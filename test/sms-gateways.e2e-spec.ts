import { CodeDeliveryService } from '../apps/worker/src/code-delivery/code-delivery.service.js';
import { DOWN, SMSRU, startGateway, TWILIO, VONAGE, type Gateway, type Received } from './support/gateways.js';
import { WorkerMetrics } from '../apps/worker/src/metrics/worker-metrics.js';
import { counts, grown } from './support/metrics.js';
import { postJson, startDeployment } from './support/processes.js';
import { jobsEnded, latestCodeRequest, nextPhone, startStack, type Stack } from './support/stack.js';
import { until } from './support/wait.js';

/**
 * The real API and worker against local servers that speak Twilio's, Vonage's
 * and SMS.ru's documented APIs: each server checks the request as the provider
 * would and answers with the provider's own bodies.
 */

const settingsFor = {
  twilio: (url: string) => ({
    TWILIO_ACCOUNT_SID: TWILIO.accountSid,
    TWILIO_AUTH_TOKEN: TWILIO.authToken,
    TWILIO_FROM: TWILIO.from,
    TWILIO_API_URL: url,
  }),
  vonage: (url: string) => ({
    VONAGE_API_KEY: VONAGE.apiKey,
    VONAGE_API_SECRET: VONAGE.apiSecret,
    VONAGE_FROM: VONAGE.from,
    VONAGE_API_URL: url,
  }),
  smsru: (url: string) => ({ SMSRU_API_ID: SMSRU.apiId, SMSRU_FROM: SMSRU.from, SMSRU_API_URL: url }),
};
type Provider = keyof typeof settingsFor;

/** A stack whose worker sends through the given transports, in order, at the given URLs. */
function gatewayStack(transports: Array<[Provider, string]>, env: Record<string, string> = {}): Promise<Stack> {
  return startStack({
    env: {
      SMS_TRANSPORT: transports.map(([name]) => name).join(','),
      ...Object.assign({}, ...transports.map(([name, url]) => settingsFor[name](url))),
      SMS_GATEWAY_TIMEOUT_MS: '800',
      SMS_WEBOTP_DOMAIN: 'app.example.com',
      // The test numbers are Russian: their message is in Russian, and with the WebOTP line two UCS-2 segments.
      SMS_MAX_SEGMENTS: '2',
      ...env,
    },
  });
}

/** The gateway's form of a number: Twilio takes E.164, Vonage and SMS.ru digits only. */
const addressed = (provider: Provider, phone: string) => (provider === 'twilio' ? phone : phone.slice(1));

const messagesTo = (gateway: Gateway, provider: Provider, phone: string): Received[] =>
  gateway.received.filter((message) => message.to === addressed(provider, phone));

function codeIn(text: string): string {
  const match = /#(\d{4})$/.exec(text);
  if (!match) throw new Error(`no WebOTP line in "${text}"`);
  return match[1];
}

async function signup(stack: Stack, phone: string): Promise<string> {
  await stack.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
  return latestCodeRequest(stack, phone);
}

interface Attempt {
  transport: string;
  state: string;
  error: string | null;
  provider_id: string | null;
}

async function attemptsOf(stack: Stack, codeRequestId: string): Promise<Attempt[]> {
  return stack.db.query<Attempt[]>(
    'SELECT transport, state, error, provider_id FROM sms_attempts WHERE code_request_id = $1 ORDER BY id',
    [codeRequestId],
  );
}

async function deliveredAt(stack: Stack, codeRequestId: string): Promise<Date | null> {
  const [{ delivered_at }] = await stack.db.query<Array<{ delivered_at: Date | null }>>(
    'SELECT delivered_at FROM code_requests WHERE id = $1',
    [codeRequestId],
  );
  return delivered_at;
}

/** The request's attempts, once its job has ended: nothing sends for it after that. */
async function settled(stack: Stack, codeRequestId: string): Promise<Attempt[]> {
  await jobsEnded(stack.queue, [codeRequestId]);
  return attemptsOf(stack, codeRequestId);
}

describe.each<Provider>(['twilio', 'vonage', 'smsru'])('the %s transport', (provider) => {
  let gateway: Gateway;
  let stack: Stack;

  beforeAll(async () => {
    gateway = await startGateway(provider);
    stack = await gatewayStack([[provider, gateway.url]]);
  });
  afterAll(async () => {
    await stack.close();
    await gateway.close();
  });

  it("delivers a code the provider's way, and the code signs in", async () => {
    const phone = nextPhone();
    const id = await signup(stack, phone);
    const message = await until('the message', () => messagesTo(gateway, provider, phone)[0]);
    expect(gateway.requests.filter(({ behaviour }) => behaviour === 'refused')).toEqual([]);
    expect(message.text).toMatch(/^Код для входа: \d{4}\. Действует 5 мин\. Никому не сообщайте\./);
    expect(message.text.split('\n').at(-1)).toBe(`@app.example.com #${codeIn(message.text)}`);
    await stack
      .http()
      .post('/api/v1/auth/code/')
      .send({ phone_number: phone, code: codeIn(message.text) })
      .expect(200);
    await until('marked delivered', async () => (await deliveredAt(stack, id)) ?? undefined);
    const [attempt] = await attemptsOf(stack, id);
    expect(attempt).toMatchObject({ transport: provider, state: 'accepted', error: null });
    expect(attempt.provider_id).toEqual(expect.any(String));
  });

  it('fails at once, and keeps the job, when the provider refuses the number for good', async () => {
    const phone = nextPhone();
    gateway.script('bad-number');
    const before = gateway.requests.length;
    const id = await signup(stack, phone);
    const finished = await settled(stack, id);
    expect(finished).toEqual([expect.objectContaining({ transport: provider, state: 'permanent' })]);
    expect(gateway.requests.length - before).toBe(1);
    expect(await deliveredAt(stack, id)).toBeNull();
    expect((await stack.queue.getFailed()).map((job) => job.failedReason).join('\n')).toMatch(
      /no transport can take the message/,
    );
  });

  it('fails at once on bad credentials, naming the answer and never the credentials', async () => {
    const phone = nextPhone();
    gateway.script('bad-credentials');
    const id = await signup(stack, phone);
    const [attempt] = await settled(stack, id);
    expect(attempt.state).toBe('permanent');
    expect(attempt.error).toMatch(provider === 'twilio' ? /401 20003/ : /credentials|api_id/i);
    const jobs = [...(await stack.queue.getFailed()), ...(await stack.queue.getCompleted())];
    const kept = JSON.stringify(jobs.map((job) => ({ data: job.data, reason: job.failedReason, log: job.stacktrace })));
    for (const secret of [TWILIO.authToken, VONAGE.apiSecret, SMSRU.apiId]) expect(kept).not.toContain(secret);
    expect(JSON.stringify(await attemptsOf(stack, id))).not.toContain(TWILIO.authToken);
  });

  it.each(['server-error', 'throttled'] as const)(
    'tries again with backoff after %s, and the message goes out once',
    async (behaviour) => {
      const phone = nextPhone();
      gateway.script(behaviour);
      const id = await signup(stack, phone);
      await until('the message', () => messagesTo(gateway, provider, phone)[0]);
      const finished = await settled(stack, id);
      expect(finished.map(({ state }) => state)).toEqual(['transient', 'accepted']);
      expect(messagesTo(gateway, provider, phone)).toHaveLength(1);
    },
  );

  // No answer, or the connection cut, after the request went out: the gateway may have
  // taken the message, so it is not handed it again; with no other transport the job ends, kept.
  it.each([
    ['no answer in time', 'silence', /in time/],
    ['the connection cut', 'reset', /connection failed/],
  ] as const)('does not send again after %s', async (_, behaviour, reason) => {
    gateway.script(behaviour);
    const before = gateway.requests.length;
    const id = await signup(stack, nextPhone());
    const finished = await settled(stack, id);
    expect(finished).toEqual([
      expect.objectContaining({ transport: provider, state: 'ambiguous', error: expect.stringMatching(reason) }),
    ]);
    expect(gateway.requests.length - before).toBe(1);
    expect(await deliveredAt(stack, id)).toBeNull();
  });
});

describe('failover: SMS_TRANSPORT=twilio,vonage', () => {
  let vonage: Gateway;
  beforeAll(async () => {
    vonage = await startGateway('vonage');
  });
  afterAll(async () => {
    await vonage.close();
  });

  it('delivers through Vonage, once, when Twilio is down', async () => {
    const stack = await gatewayStack([
      ['twilio', DOWN],
      ['vonage', vonage.url],
    ]);
    try {
      const phone = nextPhone();
      const id = await signup(stack, phone);
      const message = await until('the message', () => messagesTo(vonage, 'vonage', phone)[0]);
      const finished = await settled(stack, id);
      expect(finished).toEqual([
        expect.objectContaining({
          transport: 'twilio',
          state: 'transient',
          error: expect.stringMatching(/connection/),
        }),
        expect.objectContaining({ transport: 'vonage', state: 'accepted' }),
      ]);
      expect(messagesTo(vonage, 'vonage', phone)).toHaveLength(1);
      expect(grown({}, await counts(stack.worker!.get(WorkerMetrics), 'sms_deliveries_total'))).toEqual({
        'twilio transient_failure': 1,
        'vonage delivered': 1,
      });
      await stack
        .http()
        .post('/api/v1/auth/code/')
        .send({ phone_number: phone, code: codeIn(message.text) })
        .expect(200);
    } finally {
      await stack.close();
    }
  });

  it('goes on to Vonage when Twilio refuses the number, and when Twilio times out, each message once', async () => {
    const twilio = await startGateway('twilio');
    const stack = await gatewayStack([
      ['twilio', twilio.url],
      ['vonage', vonage.url],
    ]);
    try {
      for (const behaviour of ['bad-number', 'silence'] as const) {
        twilio.script(behaviour);
        const phone = nextPhone();
        const id = await signup(stack, phone);
        await until('the message', () => messagesTo(vonage, 'vonage', phone)[0]);
        const finished = await settled(stack, id);
        expect(finished.map(({ transport, state }) => `${transport} ${state}`)).toEqual([
          `twilio ${behaviour === 'silence' ? 'ambiguous' : 'permanent'}`,
          'vonage accepted',
        ]);
        expect(messagesTo(twilio, 'twilio', phone)).toHaveLength(0);
        expect(messagesTo(vonage, 'vonage', phone)).toHaveLength(1);
      }
      // No answer (ambiguous) counts as a transient failure of the gateway. (The sweep may
      // hand this worker earlier tests' undelivered codes too, which Twilio now takes.)
      expect(grown({}, await counts(stack.worker!.get(WorkerMetrics), 'sms_deliveries_total'))).toMatchObject({
        'twilio permanent_failure': 1,
        'twilio transient_failure': 1,
        'vonage delivered': 2,
      });
    } finally {
      await stack.close();
      await twilio.close();
    }
  });
});

describe('failed jobs under a refusal run (QUEUE_KEEP_FAILED=3)', () => {
  let gateway: Gateway;
  let stack: Stack;

  beforeAll(async () => {
    gateway = await startGateway('twilio');
    stack = await gatewayStack([['twilio', gateway.url]], { QUEUE_KEEP_FAILED: '3' });
  });
  afterAll(async () => {
    await stack.close();
    await gateway.close();
  });

  it('keeps the newest three failed jobs, however many fail', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      gateway.script('bad-number');
      const id = await signup(stack, nextPhone());
      await settled(stack, id);
      ids.push(id);
    }
    await until('the last job failed', async () =>
      (await stack.queue.getFailed()).some((job) => job.id === ids.at(-1)) ? true : undefined,
    );
    const kept = (await stack.queue.getFailed()).map((job) => job.id).sort();
    expect(kept).toEqual(ids.slice(-3).sort());
    // The requests themselves stay in PostgreSQL with their attempts: only the queue forgets.
    for (const id of ids)
      expect(await attemptsOf(stack, id)).toEqual([expect.objectContaining({ state: 'permanent' })]);
  });
});

describe('a job run again after its message was accepted', () => {
  it('sends nothing more on that transport', async () => {
    const gateway = await startGateway('twilio');
    const stack = await startStack({
      env: { SMS_TRANSPORT: 'twilio', ...settingsFor.twilio(gateway.url) },
      worker: false,
    });
    try {
      const phone = nextPhone();
      const id = await signup(stack, phone);
      const [{ code_sealed }] = await stack.db.query<Array<{ code_sealed: Buffer }>>(
        'SELECT code_sealed FROM code_requests WHERE id = $1',
        [id],
      );
      await stack.startWorker();
      await until('marked delivered', async () => (await deliveredAt(stack, id)) ?? undefined);
      // As if the worker had died between the gateway's 201 and marking the request delivered.
      await stack.db.query('UPDATE code_requests SET delivered_at = NULL, code_sealed = $2 WHERE id = $1', [
        id,
        code_sealed,
      ]);
      const deliveries = stack.worker!.get(CodeDeliveryService);
      expect(await deliveries.deliver(id)).toBe('delivered');
      expect(await deliveries.deliver(id)).toBe('already-delivered');
      expect(messagesTo(gateway, 'twilio', phone)).toHaveLength(1);
      expect(await attemptsOf(stack, id)).toEqual([expect.objectContaining({ state: 'accepted' })]);
    } finally {
      await stack.close();
      await gateway.close();
    }
  });
});

describe('the built worker on a real gateway', () => {
  it('logs which transport failed, how and why, and never a credential or the code', async () => {
    const twilio = await startGateway('twilio');
    const vonage = await startGateway('vonage');
    twilio.script('bad-credentials');
    const deployment = await startDeployment({
      env: {
        LOG_LEVEL: 'debug',
        SMS_WEBOTP_DOMAIN: 'app.example.com',
        SMS_MAX_SEGMENTS: '2',
        SMS_TRANSPORT: 'twilio,vonage',
        ...settingsFor.twilio(twilio.url),
        ...settingsFor.vonage(vonage.url),
      },
    });
    try {
      const phone = nextPhone();
      const base = deployment.apis[0].base;
      expect((await postJson(`${base}/api/v1/auth/signup/`, { phone_number: phone })).status).toBe(202);
      const message = await until('the message', () => messagesTo(vonage, 'vonage', phone)[0]);
      const log = await until('the failure logged', () => {
        const output = deployment.workers[0].output() + deployment.apis[0].process.output();
        return output.includes('SMS transport failed') ? output : undefined;
      });
      const failed = log
        .split('\n')
        .filter((line) => line.includes('SMS transport failed'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(failed).toEqual([
        expect.objectContaining({ transport: 'twilio', failure: 'permanent', reason: expect.stringMatching(/20003/) }),
      ]);
      for (const secret of [TWILIO.authToken, VONAGE.apiSecret, `#${codeIn(message.text)}`]) {
        expect(log).not.toContain(secret);
      }
      expect(log).not.toContain(Buffer.from(`${TWILIO.accountSid}:${TWILIO.authToken}`).toString('base64'));
    } finally {
      await deployment.stop();
      await twilio.close();
      await vonage.close();
    }
  });
});
