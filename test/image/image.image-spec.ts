import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import {
  baseImages,
  startDockerEngine,
  waitUntilHealthy,
  type BaseImages,
  type DockerEngine,
} from '../support/docker.js';
import { hasEngine, freePort } from '../support/engines.mjs';
import { EVENTS_SECRET, startReceiver, type Delivery, type Receiver } from '../support/events-receiver.js';
import { nextPhone } from '../support/phones.js';
import { activateThrough, postJson, waitUntilReady } from '../support/processes.js';
import { testKeyPrefix, TEST_REDIS_URL } from '../support/test-env.js';

const IMAGE = 'referral-service:image-test';
const SMS_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const secret = () => randomBytes(32).toString('base64url');

/** The engine and a way to base images: Debian's docker.io and debootstrap here (REQUIRE_ENGINES in CI). */
const runnable = hasEngine('dockerd', 'docker.io') && hasEngine('debootstrap', 'debootstrap');

/**
 * SPEC section 11 and issue 27: the image as a user runs it. A Docker engine
 * builds it from the Dockerfile, then runs `migrate`, two APIs and a worker
 * from it with production settings, a read-only root filesystem and the
 * host's network, against this machine's PostgreSQL (a database of the test's
 * own, which only the image's `migrate` prepares) and Redis. The SMS gateway
 * and the host's event receiver are local servers that verify the Standard
 * Webhooks signature of every request.
 */
(runnable ? describe : describe.skip)('the image, built and run by a Docker engine', () => {
  let engine: DockerEngine;
  let bases: BaseImages;
  let admin: pg.Client;
  let sms: Receiver;
  let events: Receiver;
  let env: Record<string, string>;
  const database = `referral_image_${process.pid}`;
  const containers = new Set<string>();
  const apis: string[] = [];

  /** `docker run -d` of the image with the deployment's settings and its own; answers the container's name. */
  async function start(name: string, command: string, own: Record<string, string> = {}): Promise<string> {
    const settings = Object.entries({ ...env, ...own }).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
    // Named for the clean-up before the engine is asked: a run the client gives up on may still make it.
    containers.add(name);
    await engine.docker(
      [
        'run',
        '-d',
        '--name',
        name,
        '--network',
        'host',
        // As the Kubernetes manifests run it: nothing of the image is writable, /tmp is.
        '--read-only',
        '--tmpfs',
        '/tmp',
        // The image's own check, asked more often than its 10 s so the test waits less.
        '--health-interval',
        '1s',
        ...settings,
        IMAGE,
        command,
      ],
      // vfs copies the image's layers whole for each container: on a busy disk that alone takes a minute.
      { timeoutMs: 240_000 },
    );
    return name;
  }

  beforeAll(async () => {
    engine = (await startDockerEngine())!;
    bases = (await baseImages(engine))!;
    const started = Date.now();
    await engine.docker(
      [
        'build',
        '--network',
        'host',
        '--build-arg',
        `NODE_IMAGE=${bases.node}`,
        '--build-arg',
        `RUNTIME_IMAGE=${bases.runtime}`,
        // The npm registry's proxy CA, as a build secret: in no layer of the image.
        ...(process.env.NODE_EXTRA_CA_CERTS ? ['--secret', `id=npm_ca,src=${process.env.NODE_EXTRA_CA_CERTS}`] : []),
        '-t',
        IMAGE,
        '.',
      ],
      { timeoutMs: 20 * 60_000 },
    );
    const size = Number(await engine.docker(['image', 'inspect', '--format', '{{.Size}}', IMAGE]));
    const layers = await engine.docker(['image', 'inspect', '--format', '{{len .RootFS.Layers}}', IMAGE]);
    console.log(
      `image built in ${((Date.now() - started) / 1000).toFixed(0)} s (bases ${bases.assembled ? 'assembled from Debian' : 'official'}): ${(size / 1e6).toFixed(0)} MB, ${layers} layers`,
    );

    admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = `/${database}`;

    sms = await startReceiver(SMS_SECRET);
    events = await startReceiver(EVENTS_SECRET);
    env = {
      NODE_ENV: 'production',
      DATABASE_URL: url.toString(),
      ...(TEST_REDIS_URL ? { REDIS_URL: TEST_REDIS_URL } : {}),
      REDIS_KEY_PREFIX: testKeyPrefix('image'),
      KEY_ENCRYPTION_SECRET: secret(),
      OTP_SECRET: secret(),
      SMS_TRANSPORT: 'webhook',
      SMS_WEBHOOK_URL: sms.url,
      SMS_WEBHOOK_SECRET: SMS_SECRET,
      EVENTS_WEBHOOK_URL: events.url,
      EVENTS_WEBHOOK_SECRET: EVENTS_SECRET,
      // The receivers are this machine's loopback servers, not https://.
      ALLOW_HTTP_TO_PRIVATE_HOSTS: 'true',
      // On the host's network: listen on its loopback only.
      HOST: '127.0.0.1',
      // Every client of this test is 127.0.0.1, and the numbers are consecutive: the limits per address
      // and per block of numbers are other tests' subject (defences, sms-pumping), not the image's.
      SIGNUP_IP_RATE_LIMIT: '100000/60',
      VERIFY_IP_RATE_LIMIT: '100000/60',
      SMS_BLOCK_LIMIT_PER_HOUR: '0',
      LOG_LEVEL: 'warn',
    };
  }, 30 * 60_000);

  afterAll(async () => {
    // Each step whatever the one before did: the engine's gigabytes and the test's database go either way.
    const steps: Array<() => Promise<unknown>> = [
      async () => {
        await Promise.all([...containers].map((name) => engine?.docker(['rm', '-f', name])));
      },
      async () => {
        const images = [IMAGE, ...(bases?.assembled ? [bases.node, bases.runtime] : [])];
        await engine?.docker(['rmi', '-f', ...images]);
      },
      async () => engine?.docker(['builder', 'prune', '-af']),
      async () => engine?.stop(),
      async () => sms?.close(),
      async () => events?.close(),
      async () => admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`),
      async () => admin?.end(),
    ];
    const failures: unknown[] = [];
    for (const step of steps) await step().catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw new AggregateError(failures, 'cleaning up after the image test');
  }, 5 * 60_000);

  it('holds production dependencies and Node.js only: no npm, yarn or build tools, and runs as uid 1000', async () => {
    const report = await engine.docker([
      'run',
      '--rm',
      '--entrypoint',
      'sh',
      IMAGE,
      '-c',
      'id -u; for tool in npm npx yarn corepack; do command -v $tool || true; done; ' +
        'for dev in typescript jest @nestjs/cli @swc/core eslint; do [ -e node_modules/$dev ] && echo "dev: $dev"; done; ' +
        'stat -c %u /app/.data; touch /app/x 2>/dev/null && echo "app writable"; true',
    ]);
    expect(report.split('\n')).toEqual(['1000', '1000']);
  }, 300_000);

  it(
    'migrates a new database and makes the first signing key; a second run finds nothing to do',
    async () => {
      const migrate = (name: string) =>
        engine.docker(
          [
            'run',
            '--rm',
            '--name',
            name,
            '--network',
            'host',
            '--read-only',
            '-e',
            `DATABASE_URL=${env.DATABASE_URL}`,
            '-e',
            `KEY_ENCRYPTION_SECRET=${env.KEY_ENCRYPTION_SECRET}`,
            IMAGE,
            'migrate',
          ],
          { timeoutMs: 240_000 },
        );
      const first = await migrate('referral-migrate-1');
      expect(first).toMatch(/^applied: .*\nmade the first EdDSA signing key [\w-]+$/s);
      expect(await migrate('referral-migrate-2')).toBe('no pending migrations\na signing key is in use already');
    },
    10 * 60_000,
  );

  it(
    'runs two APIs and a worker, read-only, and each turns healthy by the check that fits its command',
    async () => {
      for (const index of [1, 2]) {
        const port = await freePort();
        await start(`referral-api-${index}`, 'api', { PORT: String(port), METRICS_PORT: String(await freePort()) });
        apis.push(`http://127.0.0.1:${port}`);
      }
      await start('referral-worker-1', 'worker', { METRICS_PORT: String(await freePort()) });
      await waitUntilHealthy(engine, ['referral-api-1', 'referral-api-2', 'referral-worker-1']);
      for (const api of apis) await waitUntilReady(`${api}/health/ready`, 10_000);
    },
    15 * 60_000,
  );

  /** Signs a number in through an API: the code is read from the message the gateway received. */
  async function signIn(api: string): Promise<{ phone: string; token: string; referral_code: string }> {
    const phone = nextPhone();
    expect((await postJson(`${api}/api/v1/auth/signup/`, { phone_number: phone })).status).toBe(202);
    const message = await until(() => sms.delivered.find((delivery) => smsOf(delivery).to === phone));
    const code = /\b(\d{4})\b/.exec(smsOf(message).text)![1];
    const answer = await postJson(`${api}/api/v1/auth/code/`, { phone_number: phone, code });
    expect(answer.status).toBe(200);
    return { phone, ...(answer.body as { token: string; referral_code: string }) };
  }

  it('signs in, refers and sends the signed events through the containers', async () => {
    const inviter = await signIn(apis[0]);
    const friend = await signIn(apis[1]);
    // The friend's token, issued by one API, is good at the other.
    expect(await activateThrough(apis[0], friend.token, inviter.referral_code)).toBe(200);
    const activated = await until(() =>
      events.delivered.find((delivery) => delivery.payload.type === 'referral.activated'),
    );
    expect(activated.payload.data).toMatchObject({ referral_code: inviter.referral_code });
    const created = events.delivered.filter((delivery) => delivery.payload.type === 'user.created');
    expect(created.length).toBeGreaterThanOrEqual(2);
  }, 300_000);

  it(
    'loses no code when a worker container is killed in the middle of deliveries',
    async () => {
      // Each message takes the gateway 300 ms: the burst is still in the worker's hands at the kill.
      sms.slow(300);
      const phones = Array.from({ length: 60 }, () => nextPhone());
      const answers = await Promise.all(
        phones.map((phone, i) => postJson(`${apis[i % 2]}/api/v1/auth/signup/`, { phone_number: phone })),
      );
      expect(answers.map((answer) => answer.status).every((status) => status === 202)).toBe(true);
      const to = (phone: string) => sms.delivered.filter((delivery) => smsOf(delivery).to === phone);
      const delivered = () => phones.filter((phone) => to(phone).length > 0).length;
      await until(() => (delivered() >= 5 ? true : undefined));
      const deliveredBefore = delivered();
      // Requests the gateway holds unanswered at the kill: their answers never reach the killed worker.
      const inFlight = sms.arrivals.length - sms.requests.length;
      await engine.docker(['kill', 'referral-worker-1']);
      const killedAt = Date.now();
      await start('referral-worker-2', 'worker', { METRICS_PORT: String(await freePort()) });
      sms.slow(0);
      await until(() => (delivered() === phones.length ? true : undefined), 120_000);
      const perPhone = phones.map((phone) => to(phone).length);
      const lost = perPhone.filter((count) => count === 0).length;
      const duplicates = perPhone.reduce((sum, count) => sum + Math.max(0, count - 1), 0);
      // A message received twice carries the same Idempotency-Key both times: the gateway drops the second.
      for (const phone of phones) {
        const keys = new Set(to(phone).map((delivery) => delivery.headers['idempotency-key']));
        expect(keys.size).toBe(1);
      }
      console.log(
        `worker container killed (SIGKILL) in a burst of ${phones.length}: delivered before the kill ${deliveredBefore}, at the gateway unanswered ${inFlight}, ` +
          `delivered in all ${phones.length - lost}, received twice ${duplicates}, lost ${lost}, ` +
          `all delivered ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`,
      );
      expect(lost).toBe(0);
      await waitUntilHealthy(engine, ['referral-worker-2']);
    },
    10 * 60_000,
  );

  it('stops a worker on SIGTERM with exit code 0, and the APIs stay healthy', async () => {
    await engine.docker(['stop', '--time', '30', 'referral-worker-2'], { timeoutMs: 60_000 });
    expect(await engine.docker(['inspect', '--format', '{{.State.ExitCode}}', 'referral-worker-2'])).toBe('0');
    await waitUntilHealthy(engine, ['referral-api-1', 'referral-api-2']);
  }, 300_000);
});

/** The SMS webhook's body: the number and the message. */
const smsOf = (delivery: Delivery) => delivery.payload as unknown as { to: string; text: string };

/** Polls until `find` answers something, or fails after `timeoutMs`. */
async function until<T>(find: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = find();
    if (found !== undefined) return found;
    await sleep(50);
  }
  throw new Error(`not seen within ${timeoutMs} ms`);
}
