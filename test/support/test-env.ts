/**
 * Where the end-to-end tests run: their own database and their own Redis key
 * prefix, never the ones `make run` uses. Override with TEST_DATABASE_URL and
 * TEST_REDIS_URL. The API creates and migrates the database at start (as it
 * does outside production); global-teardown.mjs drops it and the keys.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/referral_test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEST_KEY_PREFIX = 'referral-test';
export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-bytes-long-0123456789';

/** Settings every test stack starts from; a test overrides what it is about. */
export function baseTestEnv(): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_POOL_SIZE: '10',
    REDIS_URL: TEST_REDIS_URL,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SMS_TRANSPORT: 'simulated',
    // Fast deliveries by default; delivery-timing tests ask for the real 1-2 s.
    SMS_DELAY_MS: '10-30',
    SIGNUP_IP_RATE_LIMIT: '100000/60',
    VERIFY_IP_RATE_LIMIT: '100000/60',
    DATA_DIR: '/tmp/referral-test-data',
  };
}
