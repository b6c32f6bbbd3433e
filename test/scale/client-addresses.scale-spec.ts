import { setTimeout as sleep } from 'node:timers/promises';
import { hasEngine, startHaproxy, type Haproxy } from '../support/engines.mjs';
import { nextPhone } from '../support/phones.js';
import { startDeployment, type Deployment } from '../support/processes.js';
import { requestFrom } from '../support/sources.js';

const HAS_HAPROXY = hasEngine('haproxy', 'haproxy');
const LIMIT = 3;
/** Six clients, each on a loopback address of its own (the whole 127.0.0.0/8 is this machine's). */
const CLIENTS = ['127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14', '127.0.0.15', '127.0.0.16'];

/** A POST from a given source address, with whatever X-Forwarded-For the client chooses to write; answers the status. */
async function postFrom(
  base: string,
  path: string,
  fields: object,
  source: string,
  forwardedFor?: string,
): Promise<number> {
  return (await requestFrom(base, path, { body: fields, source, forwardedFor })).status;
}

/** A code request from a given source address. */
const signupFrom = (base: string, source: string, forwardedFor?: string) =>
  postFrom(base, '/api/v1/auth/signup/', { phone_number: nextPhone() }, source, forwardedFor);

/** How many of `count` requests from each client were taken (202 for a code request, or as `taken` says), and how many limited (429). */
async function perClient(
  send: (source: string, i: number) => Promise<number>,
  count: number,
  taken: (status: number) => boolean = (status) => status === 202,
) {
  const answers = await Promise.all(
    CLIENTS.map(async (source) => {
      const statuses: number[] = [];
      for (let i = 0; i < count; i++) statuses.push(await send(source, i));
      return [source, { taken: statuses.filter(taken).length, limited: statuses.filter((s) => s === 429).length }];
    }),
  );
  return Object.fromEntries(answers) as Record<string, { taken: number; limited: number }>;
}

const eachGets = (taken: number, limited: number) =>
  Object.fromEntries(CLIENTS.map((source) => [source, { taken, limited }]));

/**
 * SPEC section 11, in the shape docs/deploy.md describes: HAProxy in front of
 * two APIs, clients on distinct source addresses. Each client has its own
 * per-IP limit whatever it writes in X-Forwarded-For, with the balancer named
 * by a hop count or by its address.
 */
(HAS_HAPROXY ? describe : describe.skip)('client addresses behind HAProxy, clients on distinct addresses', () => {
  const deployments: Deployment[] = [];
  const balancers: Haproxy[] = [];
  afterAll(async () => {
    await Promise.all(balancers.map((haproxy) => haproxy.stop()));
    await Promise.all(deployments.map((deployment) => deployment.stop()));
  });

  async function behindHaproxy(trustProxy: string): Promise<{ deployment: Deployment; haproxy: Haproxy }> {
    const deployment = await startDeployment({
      apis: 2,
      workers: 0,
      env: {
        TRUST_PROXY: trustProxy,
        SIGNUP_IP_RATE_LIMIT: `${LIMIT}/60`,
        VERIFY_IP_RATE_LIMIT: '100000/60',
        TOKEN_IP_RATE_LIMIT: `${LIMIT}/60`,
      },
    });
    deployments.push(deployment);
    const haproxy = await startHaproxy(deployment.apis.map((api) => Number(new URL(api.base).port)));
    balancers.push(haproxy);
    // Both servers up in HAProxy's checks (2 good checks 500 ms apart).
    await sleep(1_500);
    return { deployment, haproxy };
  }

  it.each([
    ['a hop count (TRUST_PROXY=1)', '1'],
    ["the balancer's address (TRUST_PROXY=127.0.0.1)", '127.0.0.1'],
    ['a CIDR (TRUST_PROXY=127.0.0.0/30)', '127.0.0.0/30'],
  ])('gives each client its own limit, forged X-Forwarded-For or not, with %s', async (_, trustProxy) => {
    const { haproxy } = await behindHaproxy(trustProxy);
    // Every client writes a different address on each request: to the limit it is still one client.
    const forging = await perClient((source, i) => signupFrom(haproxy.url, source, `203.0.113.${i + 1}`), LIMIT + 2);
    console.log(
      `behind HAProxy (TRUST_PROXY=${trustProxy}), ${LIMIT + 2} requests per client: ${JSON.stringify(forging)}`,
    );
    expect(forging).toEqual(eachGets(LIMIT, 2));
  });

  it('counts a client that reaches an API directly by its own address, whatever it forges, when the balancer is named', async () => {
    const { deployment } = await behindHaproxy('127.0.0.1');
    const direct = await perClient(
      (source, i) => signupFrom(deployment.apis[0].base, source, `127.0.0.1, 198.51.100.${i + 1}`),
      LIMIT + 1,
    );
    expect(direct).toEqual(eachGets(LIMIT, 1));
  });

  it('gives each client its own refresh and logout limit behind the balancer, and a newcomer all of it', async () => {
    const { haproxy } = await behindHaproxy('1');
    const guessed = (i: number) => ({ refresh_token: `guessed-refresh-token-${i}-0123456789` });
    // Refresh and logout share one bucket per client; each request forges another X-Forwarded-For. Under the
    // limit a guessed refresh is 401 and a logout 204 (it says nothing of the token).
    const tokens = await perClient(
      (source, i) =>
        postFrom(
          haproxy.url,
          `/api/v1/auth/${i % 2 ? 'logout' : 'refresh'}/`,
          guessed(i),
          source,
          `203.0.113.${i + 1}`,
        ),
      LIMIT + 2,
      (status) => status === 401 || status === 204,
    );
    console.log(
      `behind HAProxy (TRUST_PROXY=1), ${LIMIT + 2} refreshes and logouts per client: ${JSON.stringify(tokens)}`,
    );
    expect(tokens).toEqual(eachGets(LIMIT, 2));
    // A client on an address of its own, after all of them: answered, not limited.
    expect(await postFrom(haproxy.url, '/api/v1/auth/refresh/', guessed(0), '127.0.0.17')).toBe(401);
  });
});
