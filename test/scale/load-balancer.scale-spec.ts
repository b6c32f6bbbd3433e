import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { testDatabase } from '../support/db.js';
import { hasEngine, startHaproxy, type Haproxy } from '../support/engines.mjs';
import { nextPhone } from '../support/phones.js';
import { postJson, signInThrough, startDeployment, type Deployment } from '../support/processes.js';

const HAS_HAPROXY = hasEngine('haproxy', 'haproxy');
const SIGNUP_LIMIT = 50;

/** One counter's value by outcome, read from a process's /metrics text. */
function outcomes(text: string, metric: string): Record<string, number> {
  const values: Record<string, number> = {};
  for (const match of text.matchAll(new RegExp(`^${metric}\\{outcome="(\\w+)"\\} (\\S+)$`, 'gm'))) {
    values[match[1]] = Number(match[2]);
  }
  return values;
}

/**
 * SPEC section 10: three built API processes and two workers behind HAProxy
 * (health check on /health/ready, X-Forwarded-For read with TRUST_PROXY=1):
 * the limits hold across the three, and one API SIGKILLed under load leaves
 * the other two answering.
 */
(HAS_HAPROXY ? describe : describe.skip)('three APIs and two workers behind HAProxy', () => {
  let deployment: Deployment;
  let haproxy: Haproxy;
  let db: pg.Client;
  let user: { phone: string; token: string };

  beforeAll(async () => {
    deployment = await startDeployment({
      apis: 3,
      workers: 2,
      metrics: true,
      // One hop: the client is the address HAProxy appends, whatever the client wrote in X-Forwarded-For.
      env: {
        TRUST_PROXY: '1',
        SIGNUP_IP_RATE_LIMIT: `${SIGNUP_LIMIT}/60`,
        VERIFY_IP_RATE_LIMIT: '100000/60',
        // Longer than HAProxy needs to see the 503 (2 failed checks, 500 ms apart), as docs/deploy.md says to set it.
        SHUTDOWN_DELAY_SECONDS: '3',
      },
    });
    haproxy = await startHaproxy(deployment.apis.map((api) => Number(new URL(api.base).port)));
    db = await testDatabase();
    // Every server up in HAProxy's checks (2 good checks 500 ms apart).
    await sleep(1_500);
    // One code request of the limit's 50 goes here.
    user = await signInThrough(haproxy.url, db, nextPhone());
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await haproxy?.stop();
    await deployment?.stop();
  });

  it('holds the per-phone and per-IP limits across the three, spoofed X-Forwarded-For or not', async () => {
    const signup = (phone: string) =>
      postJson(
        `${haproxy.url}/api/v1/auth/signup/`,
        { phone_number: phone },
        {
          'x-forwarded-for': `203.0.113.${Math.floor(Math.random() * 250)}`,
        },
      );
    const phone = nextPhone();
    const race = await Promise.all(Array.from({ length: 9 }, () => signup(phone)));
    expect(race.filter((answer) => answer.status === 202)).toHaveLength(1);
    // The others are the phone's cooldown, not the address's limit.
    const refused = race.filter((answer) => answer.status === 429);
    expect(refused.map((answer) => String(answer.body.message).includes('network'))).toEqual(Array(8).fill(false));

    const many = await Promise.all(Array.from({ length: 60 }, () => signup(nextPhone())));
    const taken = many.filter((answer) => answer.status === 202).length;
    const limited = many.filter(
      (answer) => answer.status === 429 && String(answer.body.message).includes('network'),
    ).length;
    // 1 of the limit's 50 went to the sign-in, 9 to the race above.
    expect({ taken, limited }).toEqual({ taken: SIGNUP_LIMIT - 10, limited: 60 - (SIGNUP_LIMIT - 10) });

    // Round robin: each API took a share, and together they counted each request once.
    const perApi = await Promise.all(
      deployment.apis.map(async (api) =>
        outcomes(await (await fetch(api.process.metrics!)).text(), 'otp_requests_total'),
      ),
    );
    expect(perApi.every((counts) => counts.sent + counts.cooldown + counts.ip_limited > 0)).toBe(true);
    const sum = (outcome: string) => perApi.reduce((total, counts) => total + (counts[outcome] ?? 0), 0);
    expect({ sent: sum('sent'), cooldown: sum('cooldown'), ip_limited: sum('ip_limited') }).toEqual({
      sent: 2 + taken,
      cooldown: 8,
      ip_limited: limited,
    });
  });

  /**
   * 16 connections reading the profile through HAProxy for `ms`, with `meanwhile` run beside them: every
   * answer's status (0: no answer) and when it came.
   */
  async function profileReadsWhile(
    ms: number,
    meanwhile: () => Promise<void>,
  ): Promise<Array<{ status: number; at: number }>> {
    const results: Array<{ status: number; at: number }> = [];
    const end = Date.now() + ms;
    const connection = async () => {
      while (Date.now() < end) {
        const status = await fetch(`${haproxy.url}/api/v1/users/me/`, {
          headers: { authorization: `Bearer ${user.token}` },
          signal: AbortSignal.timeout(10_000),
        }).then(
          async (response) => (await response.arrayBuffer(), response.status),
          () => 0,
        );
        results.push({ status, at: Date.now() });
      }
    };
    await Promise.all([...Array.from({ length: 16 }, connection), meanwhile()]);
    return results;
  }

  it('keeps answering through the other two when one API is SIGKILLed under load', async () => {
    let killedAt = 0;
    const results = await profileReadsWhile(8_000, async () => {
      await sleep(2_000);
      await deployment.apis[0].process.stop('SIGKILL');
      killedAt = Date.now();
    });

    const failed = results.filter((result) => result.status !== 200);
    const afterKill = results.filter((result) => result.at > killedAt);
    console.log(
      `HAProxy, one of three APIs SIGKILLed under 16 connections: ${results.length} requests, ${failed.length} failed ` +
        `(${[...new Set(failed.map((f) => f.status))].join(', ') || 'none'}), ${afterKill.length} answered after the kill`,
    );
    // Only what was in flight on the killed process may fail; then the other two carry it all.
    expect(failed.length).toBeLessThanOrEqual(16);
    expect(results.filter((result) => result.at > killedAt + 2_000 && result.status !== 200)).toEqual([]);
    expect(afterKill.filter((result) => result.status === 200).length).toBeGreaterThan(100);

    // The per-IP count the three kept still holds on the two left.
    const again = await postJson(`${haproxy.url}/api/v1/auth/signup/`, { phone_number: nextPhone() });
    expect(again).toMatchObject({ status: 429, body: { error: 'RATE_LIMITED' } });
    expect(String(again.body.message)).toContain('network');
  }, 60_000);

  // After the SIGKILL above: of the three, apis[1] and apis[2] are left.
  it('loses no request when an API is stopped with SIGTERM under load: readiness fails first, HAProxy takes it out', async () => {
    let stoppedAt = 0;
    let exited: Promise<number | null> = Promise.resolve(null);
    const results = await profileReadsWhile(7_000, async () => {
      await sleep(1_500);
      stoppedAt = Date.now();
      exited = deployment.apis[1].process.stop('SIGTERM');
    });
    expect(await exited).toBe(0);

    const afterStop = results.filter((result) => result.at > stoppedAt);
    console.log(
      `HAProxy, an API stopped with SIGTERM (SHUTDOWN_DELAY_SECONDS=3) under 16 connections: ${results.length} requests, ` +
        `${results.filter((result) => result.status !== 200).length} failed, ${afterStop.length} answered after the signal`,
    );
    expect(results.filter((result) => result.status !== 200)).toEqual([]);
    expect(afterStop.length).toBeGreaterThan(100);
  }, 60_000);
});
