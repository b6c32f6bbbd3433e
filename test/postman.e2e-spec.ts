import { readFileSync } from 'node:fs';
import newman, { type NewmanRunSummary } from 'newman';
import { startStack, type Stack } from './support/stack.js';

const COLLECTION = 'docs/postman/referral-service.postman_collection.json';
const ENVIRONMENT = 'docs/postman/local.postman_environment.json';

/** One folder per feature, in the order newman runs them: each leaves what the next needs. */
const FOLDERS = [
  'Health',
  'Sign-in',
  'Profile and referrals',
  'Invite links',
  'Users (admin)',
  'API keys (admin)',
  'Referral lifecycle',
  'Events (admin)',
  'Keys (JWKS)',
  'Sessions',
  'Phone change',
  'Tokens',
];

/** Routes the collection must call, as "METHOD path" with ids written {id}: the features of SPEC sections 12 and 13. */
const ROUTES = [
  'GET /api/v1/users/me/sessions/',
  'DELETE /api/v1/users/me/sessions/{id}/',
  'POST /api/v1/users/me/sessions/revoke-others/',
  'POST /api/v1/users/me/phone/',
  'POST /api/v1/users/me/phone/confirm/',
  'GET /.well-known/jwks.json',
  'GET /.well-known/openid-configuration',
  'POST /api/v1/admin/api-keys/',
  'GET /api/v1/admin/api-keys/',
  'DELETE /api/v1/admin/api-keys/{id}/',
  'GET /api/v1/admin/events/',
  'POST /api/v1/auth/refresh/',
  'POST /api/v1/auth/logout/',
  'POST /api/v1/referrals/qualify/',
  'POST /api/v1/referrals/void/',
  'GET /api/v1/users/me/rewards/',
  'GET /api/v1/admin/referrals/',
  'GET /api/v1/admin/referrals/{id}/',
  'POST /api/v1/admin/referrals/{id}/approve/',
  'POST /api/v1/rewards/{id}/fulfill/',
];
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** The Postman collection, run by newman against the real API and worker, so it cannot rot. */
describe('the Postman collection', () => {
  let stack: Stack;
  let baseUrl: string;

  beforeAll(async () => {
    const environment = JSON.parse(readFileSync(ENVIRONMENT, 'utf8')) as {
      values: Array<{ key: string; value: string }>;
    };
    const value = (key: string) => environment.values.find((entry) => entry.key === key)!.value;
    stack = await startStack({
      env: {
        // Long enough that the collection's first look at the inbox finds nothing and it polls again.
        SMS_DELAY_MS: '300-600',
        ADMIN_PHONE_NUMBERS: value('adminPhone'),
        OTP_TEST_NUMBERS: `${value('adminPhone')}:${value('adminCode')}`,
      },
    });
    baseUrl = `http://127.0.0.1:${(stack.api.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await stack.close();
  });

  const run = () =>
    new Promise<NewmanRunSummary>((resolve, reject) => {
      newman.run(
        {
          collection: COLLECTION,
          environment: ENVIRONMENT,
          envVar: [{ key: 'baseUrl', value: baseUrl }],
          reporters: [],
          timeoutRequest: 10_000,
        },
        (error, summary) => (error ? reject(error) : resolve(summary)),
      );
    });

  it('has one folder per feature', () => {
    const collection = JSON.parse(readFileSync(COLLECTION, 'utf8')) as {
      item: Array<{ name: string; item?: unknown[] }>;
    };
    expect(collection.item.map((folder) => folder.name)).toEqual(FOLDERS);
    for (const folder of collection.item) expect(folder.item?.length).toBeGreaterThan(0);
  });

  it('passes every assertion, and again on a second run', async () => {
    for (const round of [1, 2]) {
      const summary = await run();
      const called = new Set(
        summary.run.executions.map(
          (execution) => `${execution.request.method} ${execution.request.url.getPath().replace(UUID, '{id}')}`,
        ),
      );
      expect({ round, missing: ROUTES.filter((route) => !called.has(route)) }).toEqual({ round, missing: [] });
      const failures = summary.run.failures.map(
        (failure) => `${failure.source?.name ?? '?'}: ${failure.error.message}`,
      );
      expect({ round, failures }).toEqual({ round, failures: [] });
      const { assertions, requests } = summary.run.stats;
      console.log(
        `newman round ${round}: ${requests.total} requests, ${assertions.total} assertions, ${assertions.failed} failed`,
      );
      expect(assertions.total).toBeGreaterThan(180);
    }
  });
});
