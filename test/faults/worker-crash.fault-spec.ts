import { nextPhone } from '../support/phones.js';
import { Queue } from 'bullmq';
import type pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { CODE_DELIVERY_QUEUE } from '../../libs/domain/src/index.js';
import { loadConfig, useQueueBackend } from '../../libs/platform/src/index.js';
import { deliveriesFor, duplicateDeliveries, testDatabase, waitForDeliveries } from '../support/db.js';
import { postJson, startDeployment, type Deployment } from '../support/processes.js';

describe('a worker dies or stops in the middle of deliveries', () => {
  let db: pg.Client;
  let deployment: Deployment | null = null;
  let queue: Queue | null = null;

  beforeAll(async () => {
    db = await testDatabase();
  });
  afterEach(async () => {
    await queue?.close();
    queue = null;
    await deployment?.stop();
    deployment = null;
  });
  afterAll(async () => {
    await db.end();
  });

  async function burst(api: string, count: number): Promise<string[]> {
    const numbers = Array.from({ length: count }, () => nextPhone());
    const answers = await Promise.all(
      numbers.map((number) => postJson(`${api}/api/v1/auth/signup/`, { phone_number: number })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(numbers.map(() => 202));
    return numbers;
  }

  it('(a) SIGKILL with 50 deliveries in flight: a new worker delivers every code exactly once', async () => {
    deployment = await startDeployment({ env: { SMS_DELAY_MS: '3000-4000', SIGNUP_IP_RATE_LIMIT: '1000/60' } });
    const config = loadConfig(deployment.env);
    queue = new Queue(CODE_DELIVERY_QUEUE, useQueueBackend(config, 'producer'));
    const api = deployment.apis[0].base;
    const numbers = await burst(api, 50);
    // Wait until the worker holds all 50 (each takes 3-4 s of simulated gateway).
    let active = 0;
    for (let i = 0; i < 50 && active < 50; i++) {
      active = (await queue.getJobCounts('active')).active;
      await sleep(50);
    }
    const deliveredBeforeKill = [...(await deliveriesFor(db, numbers)).values()].filter((n) => n > 0).length;
    await deployment.workers[0].stop('SIGKILL');
    const killedAt = Date.now();

    deployment.addWorker();
    await waitForDeliveries(db, numbers, 90_000);
    const recoveryMs = Date.now() - killedAt;
    const delivered = await deliveriesFor(db, numbers);
    const duplicates = await duplicateDeliveries(db, numbers);
    const lost = numbers.filter((number) => (delivered.get(number) ?? 0) === 0).length;
    console.log(
      `(a) SIGKILL: sent 50, answered 202: 50, in flight at the kill: ${active}, delivered before it: ${deliveredBeforeKill}, ` +
        `delivered: ${50 - lost}, duplicates: ${duplicates}, lost: ${lost}, all delivered ${(recoveryMs / 1000).toFixed(1)} s after the kill`,
    );
    expect(active).toBe(50);
    expect(deliveredBeforeKill).toBe(0);
    expect(lost).toBe(0);
    expect(duplicates).toBe(0);
  });

  it('(d) SIGTERM mid-burst: the worker finishes the jobs in hand, takes no new ones, and nothing is lost', async () => {
    deployment = await startDeployment({ env: { SMS_DELAY_MS: '1500-2500', SIGNUP_IP_RATE_LIMIT: '1000/60' } });
    const api = deployment.apis[0].base;
    const inHand = await burst(api, 30);
    await sleep(500);
    const worker = deployment.workers[0];
    const stopAt = Date.now();
    const stopping = worker.stop('SIGTERM');
    await sleep(100);
    const afterStop = await burst(api, 10);
    const exitCode = await stopping;
    const stopMs = Date.now() - stopAt;
    const deliveredByStoppingWorker = [...(await deliveriesFor(db, inHand)).values()].filter((n) => n === 1).length;
    const takenByStoppingWorker = [...(await deliveriesFor(db, afterStop)).values()].filter((n) => n > 0).length;

    deployment.addWorker();
    await waitForDeliveries(db, [...inHand, ...afterStop], 60_000);
    const duplicates = await duplicateDeliveries(db, [...inHand, ...afterStop]);
    const delivered = [...(await deliveriesFor(db, [...inHand, ...afterStop])).values()].filter((n) => n > 0).length;
    console.log(
      `(d) SIGTERM: in hand 30, delivered by the stopping worker before it exited: ${deliveredByStoppingWorker} ` +
        `(exit code ${exitCode}, ${(stopMs / 1000).toFixed(1)} s), sent after SIGTERM: 10, taken by it: ${takenByStoppingWorker}, ` +
        `delivered in all: ${delivered}, duplicates: ${duplicates}, lost: ${40 - delivered}`,
    );
    expect(exitCode).toBe(0);
    expect(deliveredByStoppingWorker).toBe(30);
    expect(takenByStoppingWorker).toBe(0);
    expect(duplicates).toBe(0);
    expect(delivered).toBe(40);
  });
});
