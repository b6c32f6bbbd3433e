import { nextPhone } from '../support/phones.js';
import pg from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../scripts/embedded-postgres.mjs';
import { deliveriesFor, duplicateDeliveries, waitForDeliveries } from '../support/db.js';
import { startDeployment, startRedisServer, type Deployment, type RedisServer } from '../support/processes.js';
import { countBy, steadyBurst } from './burst.js';

describe('(c) PostgreSQL restarts during a burst', () => {
  let dataDir: string;
  let postgres: EmbeddedPostgres;
  let redis: RedisServer;
  let deployment: Deployment;
  let db: pg.Client;

  beforeAll(async () => {
    // A PostgreSQL of the test's own, so it can be stopped and started.
    dataDir = mkdtempSync(join(tmpdir(), 'referral-fault-pg-'));
    postgres = await startEmbeddedPostgres({ dataDir, database: 'referral', throwaway: true });
    redis = await startRedisServer();
    deployment = await startDeployment({
      env: {
        DATABASE_URL: postgres.url,
        REDIS_URL: redis.url,
        SMS_DELAY_MS: '50-150',
        SIGNUP_IP_RATE_LIMIT: '100000/60',
      },
    });
  });
  afterAll(async () => {
    await db?.end();
    await deployment?.stop();
    await redis?.stop();
    await postgres?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('recovers without restarting the API or the worker; every accepted code is delivered, once', async () => {
    const api = deployment.apis[0].base;
    let downAt = 0;
    let upAt = 0;
    const restart = (async () => {
      await sleep(3000);
      await postgres.stop();
      downAt = Date.now();
      await sleep(3000);
      postgres = await startEmbeddedPostgres({ dataDir, database: 'referral', throwaway: true });
      upAt = Date.now();
    })();
    const sent = await steadyBurst(api, { perSecond: 30, durationMs: 12_000, phone: nextPhone });
    await restart;

    db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    const accepted = sent.filter((request) => request.status === 202).map((request) => request.phone);
    await waitForDeliveries(db, accepted, 90_000);
    const allDeliveredAfterUp = Date.now() - upAt;
    const delivered = await deliveriesFor(db, accepted);
    const lost = accepted.filter((number) => (delivered.get(number) ?? 0) === 0).length;
    const duplicates = await duplicateDeliveries(db, accepted);
    const afterUp = sent.filter((request) => request.at > upAt + 1000);
    // The server accepts connections a moment before startEmbeddedPostgres returns.
    const whileDown = sent.filter((request) => request.at > downAt && request.at + request.ms < upAt - 500);
    console.log(
      `(c) PostgreSQL restart (3 s down): sent ${sent.length}, answers ${JSON.stringify(countBy(sent))}, ` +
        `sent while down ${whileDown.length} (503: ${whileDown.filter((r) => r.status === 503).length}), ` +
        `202 answered ${accepted.length}, delivered ${accepted.length - lost}, lost ${lost}, duplicates ${duplicates}, ` +
        `all delivered ${(allDeliveredAfterUp / 1000).toFixed(1)} s after PostgreSQL came back`,
    );
    const unexpected = sent.filter((request) => request.status !== 202 && request.status !== 503);
    if (unexpected.length > 0) {
      const failures = deployment.apis[0].process
        .output()
        .split('\n')
        .filter((line) => line.includes('request failed'));
      console.log(`API failures:\n${failures.join('\n')}`);
    }
    expect(whileDown.length).toBeGreaterThan(30);
    expect(whileDown.every((request) => request.status === 503)).toBe(true);
    expect(unexpected).toEqual([]);
    expect(afterUp.length).toBeGreaterThan(30);
    expect(afterUp.every((request) => request.status === 202)).toBe(true);
    expect(lost).toBe(0);
    expect(duplicates).toBe(0);
  });
});
