import { randomBytes } from 'node:crypto';

/**
 * Where the end-to-end tests run: their own database and their own key prefix,
 * never what `make run` uses.
 *
 * - TEST_DATABASE_URL unset: a throwaway embedded PostgreSQL (global-setup.mjs).
 * - TEST_REDIS_URL unset: the queue and the per-IP limits run on PostgreSQL.
 * - TEST_PGBOUNCER=1: DATABASE_URL goes through a PgBouncer in transaction mode
 *   the global setup starts (DATABASE_POOLER=transaction, the direct URL beside it).
 * - TEST_REDIS_CLUSTER=1: Redis is a 3+3 Redis Cluster the global setup starts.
 *
 * The API creates and migrates the test database at start (as it does outside
 * production); global-teardown.mjs drops it, deletes the keys and removes a
 * throwaway server.
 */
export const TEST_KEY_PREFIX = 'referral-test';

// Jest loads this module afresh for each test file in the same process: a tag of the file's own keeps a
// later file's stacks and deployments off an earlier one's keys (per-IP counts outlive a stack by their window).
const FILE_TAG = randomBytes(3).toString('hex');
let prefixes = 0;

/** A Redis key prefix (and queue schema) no other stack or deployment of any test file has. */
export function testKeyPrefix(kind?: string): string {
  return [TEST_KEY_PREFIX, kind, process.pid, FILE_TAG, ++prefixes].filter((part) => part !== undefined).join('-');
}
/** Seals the signing keys in tests: a test opens the current key with it to forge tokens. */
export const TEST_KEY_ENCRYPTION_SECRET = 'test-kek-Lq4Vn8Rz2Tm6Xc1Bw5Kd9Hs3Fj7Gp0Ya';
/** The root of the code keys in tests: a secret of its own, as in production. */
export const TEST_OTP_SECRET = 'test-otp-secret-Vq8Lm3Rz6Tn1Xc4Bw9Kd2Hs5Fj7Gp0Ya';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL;
/** Set by the global setup under TEST_REDIS_CLUSTER=1: the cluster's seed nodes, instead of TEST_REDIS_URL. */
export const TEST_REDIS_CLUSTER_NODES = process.env.TEST_REDIS_CLUSTER_NODES;

/** Settings every test stack starts from; a test overrides what it is about. */
export function baseTestEnv(): Record<string, string> {
  const databaseUrl = process.env.TEST_DATABASE_URL;
  if (!databaseUrl) throw new Error('TEST_DATABASE_URL is unset: the global setup should have set it');
  return {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '10',
    ...(TEST_REDIS_CLUSTER_NODES
      ? { REDIS_CLUSTER_NODES: TEST_REDIS_CLUSTER_NODES }
      : TEST_REDIS_URL
        ? { REDIS_URL: TEST_REDIS_URL }
        : {}),
    // Set by the global setup under TEST_PGBOUNCER=1: DATABASE_URL goes through PgBouncer in transaction mode.
    ...(process.env.TEST_DATABASE_DIRECT_URL
      ? { DATABASE_POOLER: 'transaction', DATABASE_DIRECT_URL: process.env.TEST_DATABASE_DIRECT_URL }
      : {}),
    KEY_ENCRYPTION_SECRET: TEST_KEY_ENCRYPTION_SECRET,
    OTP_SECRET: TEST_OTP_SECRET,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SMS_TRANSPORT: 'simulated',
    // Fast deliveries by default; delivery-timing tests ask for the real 1-2 s.
    SMS_DELAY_MS: '10-30',
    SIGNUP_IP_RATE_LIMIT: '100000/60',
    VERIFY_IP_RATE_LIMIT: '100000/60',
    TOKEN_IP_RATE_LIMIT: '100000/60',
    DATA_DIR: '/tmp/referral-test-data',
    // Off unless a test serves them (on a port of its own): stacks run side by side.
    METRICS_PORT: '0',
  };
}
