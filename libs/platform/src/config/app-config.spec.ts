import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './app-config.js';

/** Secrets as `openssl rand -base64 48` makes them (production refuses guessable ones). */
const secret = 'Zq3vY8rT1mK6wP0sL9dF2hJ5nB7xC4gA+e/Ru0iO3kWyVtSzQ1aE6cN8bM2lH5jG';
const otpSecret = 'p7Kc2Wm9Qx4Lr1Tz8Nv5Bd3Hs6Fy0Ja+g/Ue2Oi9Ck4Rw7Xq1Mt6Yb3Nz8Lp5Vd0S';
const dataDirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'referral-config-'));
  dataDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});
const DATABASE_URL = 'postgres://app@db.internal:5432/referral';
const TWILIO_SID = `AC${'a'.repeat(32)}`;

function problemsOf(env: Record<string, string>): string[] {
  return problemTextsOf(env).map((problem) => problem.variable);
}

function problemTextsOf(env: Record<string, string>): Array<{ variable: string; problem: string }> {
  try {
    loadConfig({ DATA_DIR: dataDir(), DATABASE_URL, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('reads a Redis Cluster instead of REDIS_URL, and a pooler only with a direct URL beside it', () => {
    const config = loadConfig({
      DATA_DIR: dataDir(),
      KEY_ENCRYPTION_SECRET: secret,
      DATABASE_URL,
      REDIS_CLUSTER_NODES: 'rediss://app:s%40cret@redis-1.internal:6380, redis-2.internal:6379,10.0.0.3:7000',
      DATABASE_POOLER: 'transaction',
      DATABASE_DIRECT_URL: 'postgres://app@db-direct.internal:5432/referral',
    });
    expect(config.redis).toEqual({
      url: null,
      keyPrefix: 'referral',
      cluster: {
        nodes: [
          { host: 'redis-1.internal', port: 6380 },
          { host: 'redis-2.internal', port: 6379 },
          { host: '10.0.0.3', port: 7000 },
        ],
        username: 'app',
        password: 's@cret',
        tls: true,
      },
    });
    expect(config.queue.backend).toBe('redis');
    expect(config.database).toMatchObject({
      url: DATABASE_URL,
      directUrl: 'postgres://app@db-direct.internal:5432/referral',
      pooler: 'transaction',
    });
    const plain = loadConfig({ DATA_DIR: dataDir(), KEY_ENCRYPTION_SECRET: secret, DATABASE_URL });
    expect(plain.database).toMatchObject({ directUrl: DATABASE_URL, pooler: null });
    expect(plain.redis.cluster).toBeNull();

    expect(
      problemsOf({ KEY_ENCRYPTION_SECRET: secret, REDIS_URL: 'redis://r:6379', REDIS_CLUSTER_NODES: 'r:6379' }),
    ).toEqual(['REDIS_CLUSTER_NODES']);
    expect(problemsOf({ KEY_ENCRYPTION_SECRET: secret, REDIS_CLUSTER_NODES: 'r' })).toEqual(['REDIS_CLUSTER_NODES']);
    expect(problemsOf({ KEY_ENCRYPTION_SECRET: secret, DATABASE_POOLER: 'transaction' })).toEqual([
      'DATABASE_DIRECT_URL',
    ]);
    expect(problemsOf({ KEY_ENCRYPTION_SECRET: secret, DATABASE_POOLER: 'session' })).toEqual(['DATABASE_POOLER']);
  });

  it('takes METRICS_PORT 0 as off, and refuses one out of range or the public port', () => {
    expect(
      loadConfig({ DATA_DIR: dataDir(), KEY_ENCRYPTION_SECRET: secret, DATABASE_URL, METRICS_PORT: '0' }).metrics.port,
    ).toBe(0);
    expect(problemsOf({ KEY_ENCRYPTION_SECRET: secret, METRICS_PORT: '70000' })).toEqual(['METRICS_PORT']);
    expect(problemsOf({ KEY_ENCRYPTION_SECRET: secret, METRICS_PORT: '9x' })).toEqual(['METRICS_PORT']);
    expect(problemsOf({ KEY_ENCRYPTION_SECRET: secret, METRICS_PORT: '3000' })).toEqual(['METRICS_PORT']);
  });

  it('starts with the documented defaults', () => {
    const config = loadConfig({ DATA_DIR: dataDir(), KEY_ENCRYPTION_SECRET: secret, DATABASE_URL });
    expect(config.http.port).toBe(3000);
    expect(config.http.host).toBe('127.0.0.1');
    expect(config.http.trustProxy).toBe(false);
    // Each process picks its own port (API 9464, worker 9465); loopback only.
    expect(config.metrics).toEqual({ host: '127.0.0.1', port: null });
    expect(config.sms).toMatchObject({
      transports: ['simulated'],
      webhookUrl: null,
      delayMs: { min: 1000, max: 2000 },
      twilio: null,
      vonage: null,
      smsru: null,
    });
    expect(config.pumping).toEqual({
      countriesAllowed: null,
      countriesDenied: new Set(),
      perHour: null,
      perCountryPerHour: null,
      perBlockPerHour: null,
      conversion: null,
    });
    expect(config.receipts).toEqual({ baseUrl: null, fallbackAfterSeconds: null, vonage: null });
    expect(config.otp).toMatchObject({ ttlSeconds: 300, resendSeconds: 60, perHour: 5, lockSteps: [900, 3600, 86400] });
    expect(config.jwt.accessTtlSeconds).toBe(900);
    expect(config.defaultPhoneRegion).toBe('RU');
    expect(config.queueDashboard).toBeNull();
    expect(config.database.migrateAtStart).toBe(true);
    expect(config.redis.url).toBeNull();
    expect(config.queue.backend).toBe('postgres');
  });

  it('puts the queue on Redis when REDIS_URL is set', () => {
    const config = loadConfig({
      DATA_DIR: dataDir(),
      KEY_ENCRYPTION_SECRET: secret,
      DATABASE_URL,
      REDIS_URL: 'redis://cache:6379',
    });
    expect(config.queue.backend).toBe('redis');
    expect(config.redis.url).toBe('redis://cache:6379');
  });

  it('joins the embedded PostgreSQL of DATA_DIR when DATABASE_URL is unset', () => {
    const dir = dataDir();
    expect(problemsOf({ DATA_DIR: dir, KEY_ENCRYPTION_SECRET: secret, DATABASE_URL: '' })).toEqual(['DATABASE_URL']);
    writeFileSync(join(dir, 'postgres.json'), JSON.stringify({ port: 54329, password: 'p@ss', owner: process.pid }));
    const config = loadConfig({ DATA_DIR: dir, KEY_ENCRYPTION_SECRET: secret });
    expect(config.database.url).toBe('postgres://postgres:p%40ss@127.0.0.1:54329/referral');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://localhost/db' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ SMS_TRANSPORT: 'carrier-pigeon' }, 'SMS_TRANSPORT'],
    [{ SMS_TRANSPORT: 'webhook' }, 'SMS_WEBHOOK_URL'],
    [{ DEV_INBOX_FROM: '172.31.250.1,10.0.0.0/33' }, 'DEV_INBOX_FROM'],
    [{ DEV_INBOX_FROM: '999.1.1.1' }, 'DEV_INBOX_FROM'],
    [{ DEV_INBOX_FROM: 'fd00::/129' }, 'DEV_INBOX_FROM'],
    [{ SMS_DELAY_MS: '2000-1000' }, 'SMS_DELAY_MS'],
    [{ SMS_DELAY_MS: 'soon' }, 'SMS_DELAY_MS'],
    [{ ADMIN_PHONE_NUMBERS: '+79123456789,not-a-phone' }, 'ADMIN_PHONE_NUMBERS'],
    [{ OTP_TEST_NUMBERS: '+79990000000:12' }, 'OTP_TEST_NUMBERS'],
    [{ DEFAULT_PHONE_REGION: 'XX' }, 'DEFAULT_PHONE_REGION'],
    [{ TRUST_PROXY: 'sometimes' }, 'TRUST_PROXY'],
    [{ SIGNUP_IP_RATE_LIMIT: 'lots' }, 'SIGNUP_IP_RATE_LIMIT'],
    [{ QUEUE_DASHBOARD_USER: 'admin' }, 'QUEUE_DASHBOARD_PASSWORD'],
    [{ WORKER_CONCURRENCY: '0' }, 'WORKER_CONCURRENCY'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [
      {
        SMS_TRANSPORT: 'twilio,twilio',
        TWILIO_ACCOUNT_SID: TWILIO_SID,
        TWILIO_AUTH_TOKEN: 't'.repeat(32),
        TWILIO_FROM: '+15005550006',
      },
      'SMS_TRANSPORT',
    ],
    [{ SMS_TRANSPORT: 'simulated,webhook', SMS_WEBHOOK_URL: 'http://sms.local/' }, 'SMS_TRANSPORT'],
    [{ SMS_TRANSPORT: 'twilio' }, 'TWILIO_ACCOUNT_SID'],
    [{ SMS_TRANSPORT: 'twilio' }, 'TWILIO_AUTH_TOKEN'],
    [{ SMS_TRANSPORT: 'twilio', TWILIO_ACCOUNT_SID: TWILIO_SID, TWILIO_AUTH_TOKEN: 't'.repeat(32) }, 'TWILIO_FROM'],
    [{ TWILIO_ACCOUNT_SID: 'AC123' }, 'TWILIO_ACCOUNT_SID'],
    [{ SMS_TRANSPORT: 'vonage', VONAGE_API_KEY: 'k', VONAGE_API_SECRET: 's' }, 'VONAGE_FROM'],
    [{ SMS_TRANSPORT: 'webhook,smsru', SMS_WEBHOOK_URL: 'http://sms.local/' }, 'SMSRU_API_ID'],
    [{ TWILIO_API_URL: 'api.twilio.com' }, 'TWILIO_API_URL'],
    [{ SMS_TEMPLATE: 'Welcome to {app}' }, 'SMS_TEMPLATE'],
    [{ SMS_TEMPLATE: `{code} ${'x'.repeat(160)}` }, 'SMS_TEMPLATE'],
    [
      { SMS_TEMPLATE: 'Ваш код для входа в приложение: {code}. Он действует {minutes} мин. Никому его не сообщайте.' },
      'SMS_TEMPLATE',
    ],
    [{ SMS_WEBOTP_DOMAIN: 'https://app.example.com' }, 'SMS_WEBOTP_DOMAIN'],
    [{ SMS_ANDROID_APP_HASH: 'short' }, 'SMS_ANDROID_APP_HASH'],
    [{ PHONE_COUNTRIES_ALLOWED: 'RU, Russia' }, 'PHONE_COUNTRIES_ALLOWED'],
    [{ PHONE_COUNTRIES_DENIED: 'XX' }, 'PHONE_COUNTRIES_DENIED'],
    [{ PHONE_COUNTRIES_ALLOWED: 'RU,KZ', PHONE_COUNTRIES_DENIED: 'kz' }, 'PHONE_COUNTRIES_DENIED'],
    [{ SMS_BUDGET_PER_HOUR: 'plenty' }, 'SMS_BUDGET_PER_HOUR'],
    [{ SMS_BLOCK_LIMIT_PER_HOUR: '-1' }, 'SMS_BLOCK_LIMIT_PER_HOUR'],
  ])('refuses %j and names %s', (env, variable) => {
    expect(problemsOf({ KEY_ENCRYPTION_SECRET: secret, ...env })).toContain(variable);
  });

  it('names every bad variable at once', () => {
    expect(problemsOf({ PORT: 'x', LOG_LEVEL: 'loud', KEY_ENCRYPTION_SECRET: secret })).toEqual(
      expect.arrayContaining(['PORT', 'LOG_LEVEL']),
    );
  });

  describe('in production', () => {
    const production = {
      NODE_ENV: 'production',
      SMS_TRANSPORT: 'webhook',
      SMS_WEBHOOK_URL: 'https://sms.example.com/send',
      SMS_WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 3).toString('base64')}`,
      OTP_SECRET: otpSecret,
    };

    it('requires KEY_ENCRYPTION_SECRET (it seals the signing keys), and no JWT_SECRET', () => {
      expect(problemsOf(production)).toEqual(['KEY_ENCRYPTION_SECRET']);
    });

    it('requires KEY_ENCRYPTION_SECRET to be at least 32 bytes, and apart from OTP_SECRET', () => {
      expect(problemsOf({ ...production, KEY_ENCRYPTION_SECRET: secret.slice(0, 31) })).toEqual([
        'KEY_ENCRYPTION_SECRET',
      ]);
      expect(problemsOf({ ...production, KEY_ENCRYPTION_SECRET: secret.slice(0, 32) })).toEqual([]);
      expect(problemsOf({ ...production, KEY_ENCRYPTION_SECRET: otpSecret })).toEqual(['KEY_ENCRYPTION_SECRET']);
    });

    it('refuses the simulated SMS transport', () => {
      expect(problemsOf({ ...production, KEY_ENCRYPTION_SECRET: secret, SMS_TRANSPORT: 'simulated' })).toEqual([
        'SMS_TRANSPORT',
      ]);
    });

    it('turns the SMS pumping budgets on, unless a setting of 0 turns one off', () => {
      const config = loadConfig({ ...production, KEY_ENCRYPTION_SECRET: secret, DATA_DIR: dataDir(), DATABASE_URL });
      expect(config.pumping).toMatchObject({ perHour: 10_000, perCountryPerHour: 2_000, perBlockPerHour: 30 });
      const relaxed = loadConfig({
        ...production,
        KEY_ENCRYPTION_SECRET: secret,
        DATA_DIR: dataDir(),
        DATABASE_URL,
        SMS_BUDGET_PER_HOUR: '0',
        SMS_BLOCK_LIMIT_PER_HOUR: '100',
      });
      expect(relaxed.pumping).toMatchObject({ perHour: null, perCountryPerHour: 2_000, perBlockPerHour: 100 });
    });

    it('watches conversion by number range in production, enforcing unless told shadow or off', () => {
      const base = { ...production, KEY_ENCRYPTION_SECRET: secret, DATA_DIR: dataDir(), DATABASE_URL };
      expect(loadConfig(base).pumping.conversion).toEqual({
        mode: 'enforce',
        minRatio: 0.2,
        minCodes: 50,
        windowSeconds: 3600,
        settleSeconds: 120,
        rangeDigits: 5,
      });
      expect(loadConfig({ ...base, SMS_CONVERSION_MODE: 'shadow' }).pumping.conversion?.mode).toBe('shadow');
      expect(loadConfig({ ...base, SMS_CONVERSION_MODE: 'off' }).pumping.conversion).toBeNull();
      expect(problemsOf({ ...base, SMS_CONVERSION_MIN_RATIO: '1.5' })).toEqual(['SMS_CONVERSION_MIN_RATIO']);
      expect(problemsOf({ ...base, SMS_CONVERSION_SETTLE_SECONDS: '3600' })).toEqual(['SMS_CONVERSION_SETTLE_SECONDS']);
      expect(problemsOf({ ...base, SMS_CONVERSION_RANGE_DIGITS: '0' })).toEqual(['SMS_CONVERSION_RANGE_DIGITS']);
    });

    it('asks the gateways for receipts at SMS_RECEIPTS_URL, over https, with the Vonage signature secret', () => {
      const base = { ...production, KEY_ENCRYPTION_SECRET: secret, DATA_DIR: dataDir(), DATABASE_URL };
      const vonage = { SMS_TRANSPORT: 'vonage', VONAGE_API_KEY: 'k', VONAGE_API_SECRET: 's', VONAGE_FROM: 'Referral' };
      const config = loadConfig({
        ...base,
        ...vonage,
        SMS_RECEIPTS_URL: 'https://api.example.com/',
        VONAGE_SIGNATURE_SECRET: 'a-signature-secret-0123',
      });
      expect(config.receipts).toEqual({
        baseUrl: 'https://api.example.com',
        fallbackAfterSeconds: 120,
        vonage: { secret: 'a-signature-secret-0123', method: 'md5hash' },
      });
      expect(problemsOf({ ...base, ...vonage, SMS_RECEIPTS_URL: 'https://api.example.com' })).toEqual([
        'VONAGE_SIGNATURE_SECRET',
      ]);
      expect(problemsOf({ ...base, SMS_RECEIPTS_URL: 'http://api.example.com' })).toEqual(['SMS_RECEIPTS_URL']);
      expect(problemsOf({ ...base, VONAGE_SIGNATURE_METHOD: 'sha384' })).toEqual(['VONAGE_SIGNATURE_METHOD']);
    });

    it('refuses TRUST_PROXY=true, which trusts what the client wrote, and takes a hop count or addresses', () => {
      expect(problemsOf({ ...production, KEY_ENCRYPTION_SECRET: secret, TRUST_PROXY: 'true' })).toEqual([
        'TRUST_PROXY',
      ]);
      expect(problemsOf({ ...production, KEY_ENCRYPTION_SECRET: secret, TRUST_PROXY: '1' })).toEqual([]);
      expect(problemsOf({ ...production, KEY_ENCRYPTION_SECRET: secret, TRUST_PROXY: '10.0.0.0/8' })).toEqual([]);
      expect(problemsOf({ KEY_ENCRYPTION_SECRET: secret, TRUST_PROXY: 'true' })).toEqual([]);
    });

    it('refuses a fixed-code test number that is also an admin, naming OTP_TEST_NUMBERS', () => {
      const both = { ADMIN_PHONE_NUMBERS: '+79990000000', OTP_TEST_NUMBERS: '+7 999 000-00-00:1234' };
      expect(problemsOf({ ...production, KEY_ENCRYPTION_SECRET: secret, ...both })).toEqual(['OTP_TEST_NUMBERS']);
      expect(
        problemsOf({ ...production, KEY_ENCRYPTION_SECRET: secret, ...both, ADMIN_PHONE_NUMBERS: '+79990000001' }),
      ).toEqual([]);
      // Outside production a demo may sign its admin in with a fixed code.
      expect(problemsOf({ KEY_ENCRYPTION_SECRET: secret, ...both })).toEqual([]);
    });

    it('requires https:// for every gateway and webhook in use; http:// to a private host only when allowed', () => {
      const ok = { ...production, KEY_ENCRYPTION_SECRET: secret };
      const plain = (url: string, allow = 'false') =>
        problemsOf({ ...ok, SMS_WEBHOOK_URL: url, ALLOW_HTTP_TO_PRIVATE_HOSTS: allow });
      expect(plain('http://sms.example.com/send')).toEqual(['SMS_WEBHOOK_URL']);
      expect(plain('http://sms.example.com/send', 'true')).toEqual(['SMS_WEBHOOK_URL']);
      expect(plain('http://127.0.0.1:8080/send')).toEqual(['SMS_WEBHOOK_URL']);
      for (const sidecar of [
        'http://127.0.0.1:8080/send',
        'http://[::1]:8080/send',
        'http://10.1.2.3/send',
        'http://172.20.0.5/send',
        'http://192.168.1.9/send',
        'http://localhost:9000/send',
        'http://sms-sidecar:9000/send',
        'http://sms.gateways.svc.cluster.local/send',
        'http://sms.internal/send',
      ])
        expect({ sidecar, problems: plain(sidecar, 'true') }).toEqual({ sidecar, problems: [] });
      for (const outside of ['http://172.32.0.1/send', 'http://8.8.8.8/send', 'http://sms.example.internal.com/'])
        expect({ outside, problems: plain(outside, 'true') }).toEqual({ outside, problems: ['SMS_WEBHOOK_URL'] });
      // Every URL in use: a gateway's, the events' webhook; one not in use is not judged.
      const twilio = {
        TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
        TWILIO_AUTH_TOKEN: 'f'.repeat(32),
        TWILIO_FROM: '+15005550006',
      };
      expect(
        problemsOf({ ...ok, SMS_TRANSPORT: 'twilio', ...twilio, TWILIO_API_URL: 'http://api.twilio.com' }),
      ).toEqual(['TWILIO_API_URL']);
      expect(problemsOf({ ...ok, VONAGE_API_URL: 'http://rest.nexmo.com' })).toEqual([]);
      const events = { EVENTS_WEBHOOK_SECRET: production.SMS_WEBHOOK_SECRET };
      expect(problemsOf({ ...ok, ...events, EVENTS_WEBHOOK_URL: 'http://app.example.com/hooks' })).toEqual([
        'EVENTS_WEBHOOK_URL',
      ]);
      // Outside production, http:// anywhere (tests and demos run local servers).
      expect(
        problemsOf({
          KEY_ENCRYPTION_SECRET: secret,
          ...production,
          NODE_ENV: 'development',
          SMS_WEBHOOK_URL: 'http://x.example.com/',
        }),
      ).toEqual([]);
    });

    it('requires the SMS webhook to be signed: a secret of 24 bytes or more', () => {
      const ok = { ...production, KEY_ENCRYPTION_SECRET: secret };
      const unsigned: Record<string, string> = { ...ok };
      delete unsigned.SMS_WEBHOOK_SECRET;
      expect(problemsOf(unsigned)).toEqual(['SMS_WEBHOOK_SECRET']);
      expect(problemsOf({ ...ok, SMS_WEBHOOK_SECRET: `whsec_${Buffer.alloc(16).toString('base64')}` })).toEqual([
        'SMS_WEBHOOK_SECRET',
      ]);
      expect(new Set(problemsOf({ ...ok, SMS_WEBHOOK_SECRET: 'not-a-whsec' }))).toEqual(
        new Set(['SMS_WEBHOOK_SECRET']),
      );
    });

    it('refuses a guessable secret of any length, for tokens and for codes', () => {
      for (const guessable of ['a'.repeat(64), 'abcd'.repeat(16), 'password'.repeat(8), '0123456789'.repeat(4)]) {
        expect(problemsOf({ ...production, KEY_ENCRYPTION_SECRET: guessable })).toEqual(['KEY_ENCRYPTION_SECRET']);
        expect(problemsOf({ ...production, KEY_ENCRYPTION_SECRET: secret, JWT_SECRET: guessable })).toEqual([
          'JWT_SECRET',
        ]);
        expect(problemsOf({ ...production, KEY_ENCRYPTION_SECRET: secret, OTP_SECRET: guessable })).toEqual([
          'OTP_SECRET',
        ]);
      }
      // 32 random bytes however written: hex, base64, base64url.
      for (const strong of [
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'q83vEjRWeJq83vEjRWeJq83vEjRWeJq8fT7nM1xK0pL4dZ2wYvB9cU6',
        'f4Qz1mX9cT2vB7nL0kJ8hG3dS6aP5wE1rY4uI7oZ',
      ])
        expect({ strong, problems: problemsOf({ ...production, KEY_ENCRYPTION_SECRET: strong }) }).toEqual({
          strong,
          problems: [],
        });
    });

    it('keeps one key per purpose: OTP_SECRET is required, apart from JWT_SECRET', () => {
      const { OTP_SECRET: _, ...withoutOtp } = production;
      expect(problemsOf({ ...withoutOtp, KEY_ENCRYPTION_SECRET: secret })).toEqual(['OTP_SECRET']);
      expect(problemsOf({ ...production, KEY_ENCRYPTION_SECRET: secret, JWT_SECRET: otpSecret })).toEqual([
        'OTP_SECRET',
      ]);
    });

    it('starts a worker without KEY_ENCRYPTION_SECRET: it signs no token', () => {
      const worker = loadConfig({ ...production, DATA_DIR: dataDir(), DATABASE_URL }, 'worker');
      expect(worker.jwt.keyEncryptionSecret).toBeNull();
      expect(worker.otp.keys.current).toBe(otpSecret);
      expect(() => loadConfig({ ...production, DATA_DIR: dataDir(), DATABASE_URL }, 'api')).toThrow(
        /KEY_ENCRYPTION_SECRET/,
      );
    });

    it('does not migrate at start and listens on every interface', () => {
      const config = loadConfig({ ...production, KEY_ENCRYPTION_SECRET: secret, DATA_DIR: dataDir(), DATABASE_URL });
      expect(config.database.migrateAtStart).toBe(false);
      expect(config.http.host).toBe('0.0.0.0');
    });
  });

  it('generates the key-encryption and the code secrets once outside production, apart, and keeps them in the data folder', () => {
    const dir = dataDir();
    const first = loadConfig({ DATA_DIR: dir, DATABASE_URL });
    const second = loadConfig({ DATA_DIR: dir, DATABASE_URL });
    expect(first.jwt.keyEncryptionSecret!.length).toBeGreaterThanOrEqual(32);
    expect(second.jwt.keyEncryptionSecret).toBe(first.jwt.keyEncryptionSecret);
    expect(readFileSync(join(dir, 'key-encryption-secret'), 'utf8')).toBe(first.jwt.keyEncryptionSecret);
    expect(readFileSync(join(dir, 'otp-secret'), 'utf8')).toBe(first.otp.keys.current);
    expect(second.otp.keys.current).toBe(first.otp.keys.current);
    expect(first.otp.keys.current).not.toBe(first.jwt.keyEncryptionSecret);
  });

  it('takes gateways in failover order, with their settings, and the message settings', () => {
    const config = loadConfig({
      DATA_DIR: dataDir(),
      DATABASE_URL,
      KEY_ENCRYPTION_SECRET: secret,
      SMS_TRANSPORT: 'twilio, vonage,smsru',
      TWILIO_ACCOUNT_SID: TWILIO_SID,
      TWILIO_AUTH_TOKEN: 't'.repeat(32),
      TWILIO_MESSAGING_SERVICE_SID: `MG${'b'.repeat(32)}`,
      VONAGE_API_KEY: 'key',
      VONAGE_API_SECRET: 'secret',
      VONAGE_FROM: 'Referral',
      SMSRU_API_ID: 'id',
      SMS_WEBOTP_DOMAIN: 'app.example.com',
      // The WebOTP line takes the Russian templates to two UCS-2 segments.
      SMS_MAX_SEGMENTS: '2',
      PHONE_COUNTRIES_ALLOWED: 'ru, kz',
    });
    expect(config.sms.transports).toEqual(['twilio', 'vonage', 'smsru']);
    expect(config.sms.twilio).toMatchObject({ from: null, apiUrl: 'https://api.twilio.com' });
    expect(config.sms.vonage).toMatchObject({ apiUrl: 'https://rest.nexmo.com' });
    expect(config.sms.smsru).toMatchObject({ from: null, apiUrl: 'https://sms.ru' });
    expect(config.sms.message.webOtpDomain).toBe('app.example.com');
    expect(config.pumping.countriesAllowed).toEqual(new Set(['RU', 'KZ']));
  });

  it('parses lists, ranges and proxies', () => {
    const config = loadConfig({
      DATA_DIR: dataDir(),
      DATABASE_URL,
      KEY_ENCRYPTION_SECRET: secret,
      ADMIN_PHONE_NUMBERS: '+7 912 345-67-89, 89123456780',
      OTP_TEST_NUMBERS: '+79990000000:1234',
      SMS_DELAY_MS: '0',
      TRUST_PROXY: '10.0.0.0/8, 127.0.0.1',
      CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
      SIGNUP_IP_RATE_LIMIT: '7/30',
    });
    expect([...config.adminPhoneNumbers]).toEqual(['+79123456789', '+79123456780']);
    expect(config.otp.testNumbers.get('+79990000000')).toBe('1234');
    expect(config.sms.delayMs).toEqual({ min: 0, max: 0 });
    expect(config.http.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(config.http.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(config.rateLimits.signupPerIp).toEqual({ limit: 7, windowSeconds: 30 });
    expect(
      loadConfig({ DATA_DIR: dataDir(), DATABASE_URL, KEY_ENCRYPTION_SECRET: secret, TRUST_PROXY: '2' }).http
        .trustProxy,
    ).toBe(2);
  });
});

describe('the referral policy (SPEC section 13)', () => {
  const policyOf = (env: Record<string, string>) => loadConfig({ DATA_DIR: dataDir(), DATABASE_URL, ...env }).referrals;

  it('defaults to the sign-up qualifying, no hold, no rewards, and the default fraud rules', () => {
    expect(policyOf({})).toEqual({
      qualify_on_signup: true,
      hold_seconds: 0,
      velocity_per_hour: 20,
      rules: {
        same_device: 'reject',
        same_network: 'review',
        velocity: 'review',
        not_mobile: 'off',
        foreign_country: 'off',
      },
      compare_loopback: false,
      rewards: { inviter: null, invitee: null, milestones: [] },
    });
  });

  it('reads rewards, milestones in order, and the rules a deployment changes', () => {
    const policy = policyOf({
      REFERRAL_QUALIFY_ON: 'action',
      REFERRAL_HOLD_SECONDS: '1209600',
      REFERRAL_REWARD_INVITER: '100 credit',
      REFERRAL_REWARD_INVITEE: '1.5 days',
      REFERRAL_MILESTONES: '10:1500 credit, 5:500 credit',
      REFERRAL_FRAUD_RULES: 'same_network:off, foreign_country:reject',
    });
    expect(policy).toMatchObject({
      qualify_on_signup: false,
      hold_seconds: 1209600,
      rules: { same_network: 'off', foreign_country: 'reject', same_device: 'reject' },
      rewards: {
        inviter: { amount: 100, unit: 'credit' },
        invitee: { amount: 1.5, unit: 'days' },
        milestones: [
          { at: 5, amount: 500, unit: 'credit' },
          { at: 10, amount: 1500, unit: 'credit' },
        ],
      },
    });
  });

  it.each([
    [{ REFERRAL_QUALIFY_ON: 'purchase' }, 'REFERRAL_QUALIFY_ON'],
    [{ REFERRAL_HOLD_SECONDS: '-1' }, 'REFERRAL_HOLD_SECONDS'],
    [{ REFERRAL_REWARD_INVITER: '100' }, 'REFERRAL_REWARD_INVITER'],
    [{ REFERRAL_REWARD_INVITEE: '0 credit' }, 'REFERRAL_REWARD_INVITEE'],
    [{ REFERRAL_REWARD_INVITER: '1e9 credit' }, 'REFERRAL_REWARD_INVITER'],
    [{ REFERRAL_MILESTONES: '5 credit' }, 'REFERRAL_MILESTONES'],
    [{ REFERRAL_MILESTONES: '0:5 credit' }, 'REFERRAL_MILESTONES'],
    [{ REFERRAL_MILESTONES: '5:5 credit,5:6 credit' }, 'REFERRAL_MILESTONES'],
    [{ REFERRAL_FRAUD_RULES: 'same_ip:review' }, 'REFERRAL_FRAUD_RULES'],
    [{ REFERRAL_FRAUD_RULES: 'same_device:block' }, 'REFERRAL_FRAUD_RULES'],
    [{ REFERRAL_FRAUD_RULES: 'same_device:review:extra' }, 'REFERRAL_FRAUD_RULES'],
  ])('refuses %j, naming the setting', (env, variable) => {
    expect(problemsOf(env)).toEqual([variable]);
  });

  it('compares loopback addresses in production only', () => {
    expect(
      loadConfig(
        {
          NODE_ENV: 'production',
          DATA_DIR: dataDir(),
          DATABASE_URL,
          KEY_ENCRYPTION_SECRET: secret,
          OTP_SECRET: otpSecret,
          SMS_TRANSPORT: 'webhook',
          SMS_WEBHOOK_URL: 'https://sms.example.com/send',
          SMS_WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
        },
        'api',
      ).referrals.compare_loopback,
    ).toBe(true);
  });
});

describe('the SMS templates in each language', () => {
  const load = (env: Record<string, string> = {}) =>
    loadConfig({ DATA_DIR: dataDir(), DATABASE_URL, KEY_ENCRYPTION_SECRET: secret, ...env });
  const autofill = { SMS_WEBOTP_DOMAIN: 'app.example.com', SMS_ANDROID_APP_HASH: 'FA+9qCX9VSu' };
  const german = { sign_in: 'Ihr Anmeldecode: {code}', phone_change: '{code}: Konto auf diese Nummer umziehen' };

  it('starts with the defaults: en and ru, Russian for RU, BY, KZ and KG, one segment each', () => {
    const { sms } = load();
    expect(sms.catalog).toMatchObject({
      defaultLocale: 'en',
      countryLocales: { RU: 'ru', BY: 'ru', KZ: 'ru', KG: 'ru' },
      appName: 'Referral service',
      webOtpDomain: null,
      androidAppHash: null,
      maxSegments: 1,
    });
    expect(Object.keys(sms.catalog.templates)).toEqual(['en', 'ru']);
    expect(sms.message.template).toBe(sms.catalog.templates.en['sign-in']);
    expect(sms.phoneChangeMessage.template).toBe(sms.catalog.templates.en['phone-change']);
    expect(sms.templateCosts.map(({ locale, kind, encoding, segments }) => [locale, kind, encoding, segments])).toEqual(
      [
        ['en', 'sign-in', 'GSM-7', 1],
        ['en', 'phone-change', 'GSM-7', 1],
        ['ru', 'sign-in', 'UCS-2', 1],
        ['ru', 'phone-change', 'UCS-2', 1],
      ],
    );
  });

  it('ships Russian templates that fit one UCS-2 segment even with a lifetime of 999 minutes', () => {
    const ru = load({ CODE_TTL_SECONDS: String(999 * 60) }).sms.templateCosts.filter((cost) => cost.locale === 'ru');
    expect(ru.map((cost) => cost.segments)).toEqual([1, 1]);
    expect(Math.max(...ru.map((cost) => cost.characters))).toBeLessThanOrEqual(70);
  });

  it('refuses the Russian templates with both autofill lines at SMS_MAX_SEGMENTS=1, naming them, and takes them at 2', () => {
    const problems = problemTextsOf({ KEY_ENCRYPTION_SECRET: secret, ...autofill });
    expect(problems.map((problem) => problem.variable)).toEqual(['SMS_TEMPLATE_RU', 'SMS_PHONE_CHANGE_TEMPLATE_RU']);
    expect(problems[0].problem).toMatch(/UCS-2 characters: 2 segments, over SMS_MAX_SEGMENTS=1/);
    const { sms } = load({ ...autofill, SMS_MAX_SEGMENTS: '2' });
    expect(sms.templateCosts.filter((cost) => cost.segments === 2).map((cost) => cost.locale)).toEqual(['ru', 'ru']);
  });

  it('refuses the Russian templates with the WebOTP line alone at one segment', () => {
    expect(problemsOf({ KEY_ENCRYPTION_SECRET: secret, SMS_WEBOTP_DOMAIN: 'app.example.com' })).toEqual([
      'SMS_TEMPLATE_RU',
      'SMS_PHONE_CHANGE_TEMPLATE_RU',
    ]);
  });

  it('adds languages from SMS_TEMPLATES, which may replace en, and maps countries and the default to them', () => {
    const { sms } = load({
      SMS_TEMPLATES: JSON.stringify({ de: german, en: { sign_in: 'Code: {code}', phone_change: 'Move: {code}' } }),
      SMS_COUNTRY_LOCALES: 'RU:ru, at:de,DE:de',
      SMS_DEFAULT_LOCALE: 'de',
    });
    expect(sms.catalog.templates.de).toEqual({ 'sign-in': german.sign_in, 'phone-change': german.phone_change });
    expect(sms.catalog.templates.en['sign-in']).toBe('Code: {code}');
    expect(sms.catalog.countryLocales).toEqual({ RU: 'ru', AT: 'de', DE: 'de' });
    expect(sms.message.template).toBe(german.sign_in);
    expect(sms.templateCosts).toHaveLength(6);
  });

  it('takes SMS_COUNTRY_LOCALES=none for no country at all', () => {
    expect(load({ SMS_COUNTRY_LOCALES: 'none' }).sms.catalog.countryLocales).toEqual({});
  });

  it.each([
    ['is not JSON', { SMS_TEMPLATES: '{"de": {' }, /is not JSON/],
    ['is not an object', { SMS_TEMPLATES: '["de"]' }, /must be a JSON object/],
    ['has a key that is not a language subtag', { SMS_TEMPLATES: JSON.stringify({ 'de-DE': german }) }, /"de-DE"/],
    ['lacks a kind', { SMS_TEMPLATES: JSON.stringify({ de: { sign_in: german.sign_in } }) }, /de lacks phone_change/],
    [
      'has an unknown kind',
      { SMS_TEMPLATES: JSON.stringify({ de: { ...german, signin: 'x {code}' } }) },
      /unknown keys signin/,
    ],
    [
      'holds a template over the segment limit',
      { SMS_TEMPLATES: JSON.stringify({ de: { ...german, sign_in: `{code} ${'x'.repeat(160)}` } }) },
      /de\.sign_in makes a message of 165 GSM-7 characters: 2 segments/,
    ],
    [
      'holds a template without {code}',
      { SMS_TEMPLATES: JSON.stringify({ de: { ...german, sign_in: 'Hallo' } }) },
      /\{code\}/,
    ],
  ])('refuses an SMS_TEMPLATES that %s', (_case, env, text) => {
    const problems = problemTextsOf({ KEY_ENCRYPTION_SECRET: secret, ...env });
    expect(problems.map((problem) => problem.variable)).toEqual(['SMS_TEMPLATES']);
    expect(problems[0].problem).toMatch(text);
  });

  it.each([
    [
      { SMS_COUNTRY_LOCALES: 'RU:ru,AT:de' },
      'SMS_COUNTRY_LOCALES',
      /"de" has no templates \(languages with templates: en, ru\)/,
    ],
    [{ SMS_COUNTRY_LOCALES: 'RU:ru,XX:ru' }, 'SMS_COUNTRY_LOCALES', /"XX" is not a region/],
    [{ SMS_COUNTRY_LOCALES: 'RU:ru,ru:en' }, 'SMS_COUNTRY_LOCALES', /names RU twice/],
    [{ SMS_COUNTRY_LOCALES: 'RU=ru' }, 'SMS_COUNTRY_LOCALES', /CC:lang/],
    [{ SMS_DEFAULT_LOCALE: 'fr' }, 'SMS_DEFAULT_LOCALE', /"fr" has no templates/],
    [{ SMS_DEFAULT_LOCALE: 'en-US' }, 'SMS_DEFAULT_LOCALE', /language subtag/],
    [{ SMS_MAX_SEGMENTS: '0' }, 'SMS_MAX_SEGMENTS', /from 1 to 10/],
    [{ SMS_MAX_SEGMENTS: '11' }, 'SMS_MAX_SEGMENTS', /from 1 to 10/],
    [
      {
        SMS_TEMPLATE_RU: 'Ваш код для входа в приложение: {code}. Он действует {minutes} мин. Никому его не сообщайте.',
      },
      'SMS_TEMPLATE_RU',
      /2 segments/,
    ],
  ])('refuses %j, naming %s', (env, variable, text) => {
    const problems = problemTextsOf({ KEY_ENCRYPTION_SECRET: secret, ...env });
    expect(problems.map((problem) => problem.variable)).toEqual([variable]);
    expect(problems[0].problem).toMatch(text);
  });
});
