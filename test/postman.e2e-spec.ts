import { readFileSync } from 'node:fs';
import newman, { type NewmanRunSummary } from 'newman';
import { startStack, type Stack } from './support/stack.js';

const COLLECTION = 'docs/postman/referral-service.postman_collection.json';
const ENVIRONMENT = 'docs/postman/local.postman_environment.json';

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

  it('passes every assertion, and again on a second run', async () => {
    for (const round of [1, 2]) {
      const summary = await run();
      const failures = summary.run.failures.map(
        (failure) => `${failure.source?.name ?? '?'}: ${failure.error.message}`,
      );
      expect({ round, failures }).toEqual({ round, failures: [] });
      const { assertions, requests } = summary.run.stats;
      console.log(
        `newman round ${round}: ${requests.total} requests, ${assertions.total} assertions, ${assertions.failed} failed`,
      );
      expect(assertions.total).toBeGreaterThan(80);
    }
  });
});
