import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { deliveriesFor, duplicateDeliveries, testDatabase, waitForDeliveries } from '../support/db.js';
import { hasEngine, startRedisCluster, type RedisCluster } from '../support/engines.mjs';
import { nextPhone } from '../support/phones.js';
import { activateThrough, postJson, signInThrough, startDeployment, type Deployment } from '../support/processes.js';

const HAS_REDIS = hasEngine('redis-cli', 'redis-tools');

/**
 * SPEC section 10 on a real Redis Cluster: 3 masters and 3 replicas on
 * loopback ports, the built API and worker on it through REDIS_CLUSTER_NODES.
 * (`make test-scale` also runs the e2e sign-in and referral files on one.)
 */
(HAS_REDIS ? describe : describe.skip)('a Redis Cluster of 3 masters and 3 replicas', () => {
  let cluster: RedisCluster;
  let deployment: Deployment;
  let db: pg.Client;
  let api: string;

  beforeAll(async () => {
    cluster = await startRedisCluster({ nodeTimeoutMs: 1000 });
    deployment = await startDeployment({
      env: {
        REDIS_URL: '',
        REDIS_CLUSTER_NODES: cluster.seeds,
        SIGNUP_IP_RATE_LIMIT: '100000/60',
        SMS_DELAY_MS: '10-30',
        // The pumping budgets on Redis too (off outside production otherwise).
        SMS_BUDGET_PER_HOUR: '1000000',
      },
    });
    api = deployment.apis[0].base;
    db = await testDatabase();
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await deployment?.stop();
    await cluster?.stop();
  });

  it('signs in, activates a code and holds the per-phone and per-IP limits', async () => {
    const inviter = await signInThrough(api, db);
    const friend = await signInThrough(api, db);
    expect(await activateThrough(api, friend.token, inviter.referral_code)).toBe(200);
    const referrals = await fetch(`${api}/api/v1/users/me/referrals/`, {
      headers: { authorization: `Bearer ${inviter.token}` },
    });
    expect(await referrals.json()).toMatchObject({ total: 1 });
    // The cooldown is PostgreSQL's; the queue, the per-IP counters and the budgets are on the cluster.
    expect((await postJson(`${api}/api/v1/auth/signup/`, { phone_number: friend.phone })).status).toBe(429);
  });

  it('survives the loss of the master holding the queue: a replica takes over, every code is delivered once', async () => {
    const queueKey = `{${deployment.env.REDIS_KEY_PREFIX}:bull}:code-delivery:meta`;
    const master = cluster.masterOf(queueKey);
    expect(master).toBeDefined();

    // A steady 20 code requests a second for 4 s before the kill and 12 s after it.
    const answers: Array<{ phone: string; status: number; sentAt: number; at: number; ms: number }> = [];
    let killedAt = 0;
    const load = (async () => {
      const started = Date.now();
      const inFlight: Array<Promise<void>> = [];
      for (let i = 0; Date.now() - started < 16_000; i++) {
        const phone = nextPhone();
        const sentAt = Date.now();
        inFlight.push(
          postJson(`${api}/api/v1/auth/signup/`, { phone_number: phone }).then(
            ({ status, ms }) => void answers.push({ phone, status, sentAt, at: Date.now(), ms }),
            () => void answers.push({ phone, status: 0, sentAt, at: Date.now(), ms: 0 }),
          ),
        );
        await sleep(Math.max(0, started + (i + 1) * 50 - Date.now()));
      }
      await Promise.all(inFlight);
    })();
    await sleep(4_000);
    await cluster.kill(master!);
    killedAt = Date.now();
    await load;

    const after = answers.filter((answer) => answer.sentAt >= killedAt);
    const statuses = new Set(answers.map((answer) => answer.status));
    // Nothing but taken (202) or refused for now (503): never a 500, never a dropped connection.
    expect([...statuses].filter((status) => status !== 202 && status !== 503)).toEqual([]);
    // The first code request sent after the kill that was taken, and when its answer came.
    const firstAfter = after.filter((answer) => answer.status === 202).sort((a, b) => a.at - b.at)[0];
    expect(firstAfter).toBeDefined();
    const promoted = cluster.masterOf(queueKey);
    expect(promoted).toBeDefined();
    expect(promoted).not.toBe(master);

    const asked = answers.filter((answer) => answer.status === 202).map((answer) => answer.phone);
    const refused = answers.filter((answer) => answer.status === 503).map((answer) => answer.phone);
    const tookMs = await waitForDeliveries(db, asked, 60_000);
    expect(await duplicateDeliveries(db, asked)).toBe(0);
    // A refused request made no code.
    expect([...(await deliveriesFor(db, refused)).keys()]).toEqual([]);
    console.log(
      `Redis Cluster failover: ${answers.length} code requests, ${asked.length} answered 202, ` +
        `${refused.length} answered 503 (${after.filter((a) => a.status === 503).length} of them sent after the kill); ` +
        `the first request sent after the kill was taken ${firstAfter.at - killedAt} ms after it; slowest answer ` +
        `${Math.max(...answers.map((a) => a.ms))} ms; all ${asked.length} delivered once, 0 duplicates, ` +
        `the last ${tookMs} ms after the load ended; the queue's slot moved from :${master} to :${promoted}`,
    );
  }, 120_000);
});
