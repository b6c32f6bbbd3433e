import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, type Tags } from 'yaml';
import { ConfigError, loadConfig } from '@app/platform';

/** Compose's `!override` (a list that replaces the other file's instead of joining it), read as the list. */
const COMPOSE_TAGS: Tags = [{ tag: '!override', collection: 'seq', resolve: (value) => value }];

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  ports?: unknown;
  command?: string[];
  healthcheck?: { disable?: boolean; test?: unknown };
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
}
interface ComposeFile {
  services: Record<string, Service>;
  networks?: { default?: { ipam?: { config?: Array<{ subnet: string; gateway: string }> } } };
}

const composeFile = (name: string) =>
  parse(readFileSync(name, 'utf8'), { merge: true, customTags: COMPOSE_TAGS }) as ComposeFile;

/** Compose's interpolation of `${NAME}`, `${NAME:-default}` and `${NAME:?message}` from the given variables. */
function interpolate(value: string, variables: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_whole, name: string, kind?: string, rest?: string) => {
    const set = variables[name];
    if (set) return set;
    if (kind === '?') throw new Error(`compose refuses to start: ${name} ${rest}`);
    return kind === '-' ? (rest ?? '') : '';
  });
}

/** The environment a service's container gets: its `environment`, interpolated (the files' later ones win). */
function environmentOf(service: string, variables: Record<string, string>, ...files: ComposeFile[]) {
  const merged = Object.assign({}, ...files.map((file) => file.services[service]?.environment ?? {})) as Record<
    string,
    string
  >;
  return Object.fromEntries(
    Object.entries(merged).map(([name, value]) => [name, interpolate(String(value), variables)]),
  );
}

/** SPEC section 11: compose as shipped runs production settings; the simulated inbox exists only in the demo. */
describe('docker-compose.yml as shipped', () => {
  const production = composeFile('docker-compose.yml');
  const demo = composeFile('docker-compose.demo.yml');

  it('runs the API and the worker with NODE_ENV=production whatever the caller sets', () => {
    for (const service of ['api', 'worker', 'migrate']) {
      expect(environmentOf(service, { NODE_ENV: 'development' }, production).NODE_ENV).toBe('production');
    }
  });

  it('refuses to start without its secrets and an SMS gateway, naming each', () => {
    for (const service of ['api', 'worker'] as const) {
      const attempt = () => loadConfig(environmentOf(service, {}, production), service);
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(/OTP_SECRET/);
      expect(attempt).toThrow(/SMS_WEBHOOK_URL/);
      if (service === 'api') expect(attempt).toThrow(/KEY_ENCRYPTION_SECRET/);
    }
  });

  it('with the secret `make docker_run` generates and a gateway: production, budgets on, no simulated phone', () => {
    const folder = mkdtempSync(join(tmpdir(), 'referral-compose-'));
    try {
      mkdirSync(join(folder, 'scripts'));
      copyFileSync('scripts/compose-secret', join(folder, 'scripts', 'compose-secret'));
      const run = () => execFileSync(join(folder, 'scripts', 'compose-secret'), { env: { PATH: process.env.PATH } });
      run();
      const written = readFileSync(join(folder, '.env'), 'utf8');
      const secret = /^KEY_ENCRYPTION_SECRET=([A-Za-z0-9_-]+)$/m.exec(written)?.[1] ?? '';
      const otpSecret = /^OTP_SECRET=([A-Za-z0-9_-]+)$/m.exec(written)?.[1] ?? '';
      expect([secret.length, otpSecret.length]).toEqual([64, 64]);
      expect(otpSecret).not.toBe(secret);
      run();
      expect(readFileSync(join(folder, '.env'), 'utf8')).toBe(written);

      const variables = {
        KEY_ENCRYPTION_SECRET: secret,
        OTP_SECRET: otpSecret,
        SMS_WEBHOOK_URL: 'https://sms.example.com/send',
        SMS_WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
      };
      for (const service of ['api', 'worker'] as const) {
        const config = loadConfig(environmentOf(service, variables, production), service);
        expect(config.isProduction).toBe(true);
        expect(config.sms.transports).toEqual(['webhook']);
        expect(config.pumping.perHour).toBeGreaterThan(0);
        expect(config.pumping.perBlockPerHour).toBeGreaterThan(0);
        // One key per purpose: the worker holds the code keys and nothing that opens a signing key.
        expect(config.otp.keys.current).toBe(otpSecret);
        expect(config.jwt.keyEncryptionSecret).toBe(service === 'api' ? secret : null);
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('has a demo with the simulated phone, published on 127.0.0.1 only, its inbox open to its gateway only', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'referral-demo-'));
    const config = loadConfig({ ...environmentOf('api', {}, production, demo), DATA_DIR: dataDir });
    rmSync(dataDir, { recursive: true, force: true });
    expect(config.isProduction).toBe(false);
    expect(config.sms.transports).toEqual(['simulated']);
    const [network] = demo.networks?.default?.ipam?.config ?? [];
    expect(config.sms.inboxFrom).toEqual([network.gateway]);
    expect(demo.services.api.ports).toEqual(['127.0.0.1:${PORT:-3000}:3000']);
    expect(readFileSync('docker-compose.demo.yml', 'utf8')).toMatch(/ports: !override\n/);
    expect(environmentOf('worker', {}, production, demo)).toMatchObject({
      NODE_ENV: 'development',
      SMS_TRANSPORT: 'simulated',
    });
  });
});

/** The commands the image's entrypoint knows (docker/entrypoint.sh's `case` labels). */
const entrypointCommands = () =>
  [...readFileSync('docker/entrypoint.sh', 'utf8').matchAll(/^ {2}([a-z-]+(?: \| [a-z-]+)*)\)/gm)].flatMap((match) =>
    match[1].split(' | '),
  );

/** The Dockerfile's final stage: its ENV PORT and EXPOSE. */
function imageSettings(): { port: string; exposed: string[] } {
  const dockerfile = readFileSync('Dockerfile', 'utf8');
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  return {
    port: /\bPORT=(\d+)/.exec(finalStage)?.[1] ?? '',
    exposed: [...finalStage.matchAll(/^EXPOSE (\d+)/gm)].map((match) => match[1]),
  };
}

/** SPEC section 11: the compose file's services run the image as it is built, in the order that works. */
describe('docker-compose.yml against the image', () => {
  const production = composeFile('docker-compose.yml');
  const apps = ['migrate', 'api', 'worker'];

  it('runs each app service from the one image with a command its entrypoint knows', () => {
    expect(entrypointCommands()).toEqual(['api', 'worker', 'migrate', 'keys', 'api-keys']);
    for (const name of apps) {
      const service = production.services[name];
      expect({ name, image: service.image, built: service.build !== undefined }).toEqual({
        name,
        image: 'referral-service:local',
        built: true,
      });
      expect(service.command).toEqual([name]);
    }
  });

  it("publishes the API's port as the image listens on it, and nothing else of the apps", () => {
    const { port, exposed } = imageSettings();
    expect(exposed).toEqual([port]);
    expect(production.services.api.ports).toEqual([`\${PORT:-3000}:${port}`]);
    expect(production.services.api.environment?.PORT).toBeUndefined();
    for (const name of ['migrate', 'worker']) expect(production.services[name].ports).toBeUndefined();
  });

  it("keeps the image's health check for the API and the worker, and waits on health and migrations", () => {
    // The image's check fits each command (docker/healthcheck.mjs); an override would have to know the ports again.
    for (const name of ['api', 'worker']) expect(production.services[name].healthcheck).toBeUndefined();
    expect(readFileSync('Dockerfile', 'utf8')).toMatch(/^HEALTHCHECK .*CMD \["node", "\/app\/healthcheck\.mjs"\]$/m);
    for (const name of ['postgres', 'redis']) expect(production.services[name].healthcheck?.test).toBeDefined();
    expect(production.services.migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    for (const name of ['api', 'worker']) {
      expect(production.services[name].depends_on).toEqual({
        migrate: { condition: 'service_completed_successfully' },
        redis: { condition: 'service_healthy' },
      });
    }
  });

  it('scrapes the metrics ports the processes serve, on the compose network only', () => {
    const prometheus = parse(readFileSync('docker/prometheus.yml', 'utf8')) as {
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
    };
    const targets = prometheus.scrape_configs.flatMap((job) => job.static_configs.flatMap((c) => c.targets));
    // SPEC section 9: the API's metrics on 9464, the worker's (and its health) on 9465 when METRICS_PORT is unset.
    expect(targets).toEqual(['api:9464', 'worker:9465']);
    for (const name of ['api', 'worker']) {
      const environment = environmentOf(name, {}, production);
      expect([environment.METRICS_HOST, environment.METRICS_PORT]).toEqual(['0.0.0.0', undefined]);
    }
  });
});
