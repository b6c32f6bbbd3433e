import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { OTP_REQUEST_OUTCOMES } from '../apps/api/src/metrics/api-metrics.js';
import { testDatabase } from './support/db.js';
import { EVENTS_SECRET, startReceiver, type Receiver } from './support/events-receiver.js';
import { hasEngine } from './support/engines.mjs';
import { activateThrough, postJson, signInThrough, startDeployment, type Deployment } from './support/processes.js';
import { startPrometheus, type PrometheusServer } from './support/prometheus.js';
import { until } from './support/wait.js';

const HAS_PROMETHEUS = hasEngine('prometheus', 'prometheus');
const HAS_PROMTOOL = hasEngine('promtool', 'prometheus');

/** The sign-in funnel: sign-ins per code sent. */
const FUNNEL = 'sum(otp_verifications_total{outcome="success"}) / sum(otp_requests_total{outcome="sent"})';

/**
 * SPEC section 9 on the built processes: each serves /metrics on a port of
 * its own; a real Prometheus scrapes both with docs/ops/prometheus.yml and its
 * alert rules, and a sign-in, an activation and a wrong code show up through
 * its query API with the values they should have.
 */
describe('metrics', () => {
  let deployment: Deployment;
  let db: pg.Client;
  let api: string;
  let apiMetrics: string;
  let workerMetrics: string;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    deployment = await startDeployment({
      metrics: true,
      env: {
        SIGNUP_IP_RATE_LIMIT: '1000/60',
        EVENTS_WEBHOOK_URL: receiver.url,
        EVENTS_WEBHOOK_SECRET: EVENTS_SECRET,
        EVENTS_RETRY_SCHEDULE: '1,1,1',
      },
    });
    api = deployment.apis[0].base;
    apiMetrics = deployment.apis[0].process.metrics!;
    workerMetrics = deployment.workers[0].metrics!;
    db = await testDatabase();
    await until('the worker serves /metrics', async () =>
      (await fetch(workerMetrics).catch(() => null))?.ok ? true : undefined,
    );
  });
  afterAll(async () => {
    await db?.end();
    await deployment?.stop();
    await receiver?.close();
  });

  const scrape = async (url: string) => {
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  };

  it('serves metrics on their own port, never on the public one', async () => {
    expect((await fetch(`${api}/metrics`)).status).toBe(404);
    expect((await fetch(`${api}/api/v1/metrics`)).status).toBe(404);
    expect((await fetch(apiMetrics.replace('/metrics', '/'))).status).toBe(404);
    const apiText = await scrape(apiMetrics);
    for (const name of [
      'http_request_duration_seconds',
      'otp_requests_total',
      'otp_verifications_total',
      'referral_activations_total',
      'process_cpu_seconds_total',
    ]) {
      expect(apiText).toContain(`# TYPE ${name} `);
    }
    const workerText = await scrape(workerMetrics);
    for (const name of [
      'sms_deliveries_total',
      'sms_delivery_seconds',
      'queue_jobs',
      'webhook_deliveries_total',
      'outbox_pending',
      'outbox_oldest_pending_seconds',
      'process_cpu_seconds_total',
    ]) {
      expect(workerText).toContain(`# TYPE ${name} `);
    }
    // Every outcome's series exists from the start.
    for (const outcome of OTP_REQUEST_OUTCOMES) {
      expect(apiText).toContain(`otp_requests_total{outcome="${outcome}"}`);
    }
    expect(workerText).toMatch(/queue_jobs\{queue="code-delivery",state="waiting"\} \d+/);
    const series = (text: string) => text.split('\n').filter((line) => line && !line.startsWith('#')).length;
    console.log(`series at start: API ${series(apiText)}, worker ${series(workerText)}`);
  });

  (HAS_PROMTOOL ? it : it.skip)("passes promtool check metrics for both processes' output", async () => {
    for (const url of [apiMetrics, workerMetrics]) {
      const check = spawnSync('promtool', ['check', 'metrics'], { input: await scrape(url), encoding: 'utf8' });
      expect({ url, status: check.status, problems: check.stdout + check.stderr }).toEqual({
        url,
        status: 0,
        problems: '',
      });
    }
  });

  (HAS_PROMTOOL ? it : it.skip)(
    'ships a scrape configuration and alert rules promtool accepts, and alerts that fire when they should',
    () => {
      // The compose file's Prometheus reads docker/prometheus.yml with the same rules mounted beside it.
      const compose = mkdtempSync(join(tmpdir(), 'referral-compose-prometheus-'));
      copyFileSync('docker/prometheus.yml', join(compose, 'prometheus.yml'));
      copyFileSync('docs/ops/alerts.yml', join(compose, 'alerts.yml'));
      for (const args of [
        ['check', 'config', 'docs/ops/prometheus.yml'],
        ['check', 'config', join(compose, 'prometheus.yml')],
        ['check', 'rules', 'docs/ops/alerts.yml'],
        ['test', 'rules', 'docs/ops/alerts.test.yml'],
      ]) {
        const run = spawnSync('promtool', args, { encoding: 'utf8' });
        expect({ args, status: run.status, output: run.status === 0 ? '' : run.stdout + run.stderr }).toEqual({
          args,
          status: 0,
          output: '',
        });
      }
      rmSync(compose, { recursive: true });
    },
  );

  it('labels requests by route pattern: 1,000 random paths add no series', async () => {
    const series = async () =>
      (await scrape(apiMetrics)).split('\n').filter((line) => line.startsWith('http_request_duration_seconds_count{'));
    const randomPaths = (n: number) =>
      Array.from({ length: n }, (_, i) => {
        const noise = randomBytes(6).toString('hex');
        return [
          `/${noise}/${i}`,
          `/api/v1/users/${randomUUID()}/`,
          `/api/v1/${noise}?q=${noise}`,
          `/api/v1/users/me/?x=${noise}`,
        ][i % 4];
      });
    const send = (paths: string[]) =>
      Promise.all(paths.map((path) => fetch(`${api}${path}`).then((response) => response.status)));
    // Each kind once, so that the series for each (route, status) exist before counting.
    expect(await send(randomPaths(8))).toEqual([404, 401, 404, 401, 404, 401, 404, 401]);
    const before = await series();
    expect(before).toEqual(
      expect.arrayContaining([
        expect.stringContaining('route="unmatched"'),
        expect.stringContaining('route="/api/v1/users/:username"'),
      ]),
    );

    const statuses = await send(randomPaths(1_000));
    expect(new Set(statuses)).toEqual(new Set([404, 401]));
    const after = await series();
    expect(after.map((line) => line.split(' ')[0])).toEqual(before.map((line) => line.split(' ')[0]));
    expect(after.some((line) => /noise|[0-9a-f]{12}/.test(line.split(' ')[0]))).toBe(false);
  });

  (HAS_PROMETHEUS ? describe : describe.skip)('scraped by Prometheus', () => {
    let prometheus: PrometheusServer;

    beforeAll(async () => {
      prometheus = await startPrometheus({
        'referral-api': [new URL(apiMetrics).host],
        'referral-worker': [new URL(workerMetrics).host],
      });
    });
    afterAll(async () => {
      await prometheus?.stop();
    });

    /** Polls Prometheus until the query's value is `expected` (scrapes come every second). */
    const eventually = (promql: string, expected: number) =>
      until(
        `${promql} == ${expected}`,
        async () => ((await prometheus.value(promql)) === expected ? true : undefined),
        20_000,
      ).catch(async (error: Error) => {
        throw new Error(`${error.message}; last value ${await prometheus.value(promql)}`);
      });

    it('scrapes both processes', async () => {
      await eventually('up{job="referral-api", service="referral"}', 1);
      await eventually('up{job="referral-worker", service="referral"}', 1);
    });

    it('counts a sign-in, a wrong code and an activation, and times the deliveries', async () => {
      // The counters start where the earlier tests of this file left them.
      await eventually('sum(otp_requests_total{outcome="sent"})', 0);
      // The host app's receiver refuses the first event once: one retry.
      receiver.script(500);
      const inviter = await signInThrough(api, db);
      const wrong = await postJson(`${api}/api/v1/auth/code/`, { phone_number: inviter.phone, code: '0000' });
      expect(wrong.body.error).toBe('INVALID_CODE');
      const friend = await signInThrough(api, db);
      expect(await activateThrough(api, friend.token, inviter.referral_code)).toBe(200);
      // A second code for the friend within the minute: the cooldown.
      expect((await postJson(`${api}/api/v1/auth/signup/`, { phone_number: friend.phone })).status).toBe(429);

      await eventually('sum(otp_requests_total{outcome="sent"})', 2);
      await eventually('otp_requests_total{outcome="cooldown"}', 1);
      await eventually('otp_verifications_total{outcome="success"}', 2);
      await eventually('otp_verifications_total{outcome="invalid"}', 1);
      await eventually('otp_verifications_total{outcome="locked"}', 0);
      await eventually('referral_activations_total{outcome="activated"}', 1);
      await eventually('referral_activations_total{outcome="already"}', 0);
      await eventually(FUNNEL, 1);
      await eventually('sms_deliveries_total{transport="simulated", outcome="delivered"}', 2);
      await eventually('sum(sms_deliveries_total{outcome=~".*failure"})', 0);
      await eventually('sms_delivery_seconds_count{transport="simulated"}', 2);
      // The simulated gateway takes 10-30 ms here; the time runs from the request, so it is at least that.
      expect(await prometheus.value('sms_delivery_seconds_sum{transport="simulated"}')).toBeGreaterThan(0.02);
      await eventually(
        'sum(http_request_duration_seconds_count{method="POST", route="/api/v1/auth/code", status_code="200"})',
        2,
      );
      await eventually(
        'sum(http_request_duration_seconds_count{method="PATCH", route="/api/v1/users/:username", status_code="200"})',
        1,
      );
      await eventually('queue_jobs{queue="code-delivery", state="failed"}', 0);
      await eventually('count(queue_jobs)', 8);
      // The referral funnel: the sign-up qualifies (the default) and, with no hold, the referral is final at once.
      // Both processes serve the funnel (the worker's hold sweep counts there): summed, as a dashboard does.
      await eventually('sum(referral_funnel_total{step="activated"})', 1);
      await eventually('sum(referral_funnel_total{step="qualified"})', 1);
      await eventually('sum(referral_funnel_total{step="final"})', 1);
      await eventually('sum(referral_funnel_total{step="review"})', 0);
      await eventually('sum(referral_funnel_total{job="referral-worker"})', 0);
      // Two user.created, and referral.activated, .qualified and .finalized, one of them on its second attempt.
      await eventually('webhook_deliveries_total{outcome="delivered"}', 5);
      await eventually('webhook_deliveries_total{outcome="retry"}', 1);
      await eventually('webhook_deliveries_total{outcome="failed"}', 0);
      await eventually('outbox_pending', 0);
      await eventually('outbox_oldest_pending_seconds', 0);
      expect(receiver.delivered.map((delivery) => delivery.payload.type).sort()).toEqual([
        'referral.activated',
        'referral.finalized',
        'referral.qualified',
        'user.created',
        'user.created',
      ]);
    });

    it('loads the alert rules, and every dashboard query is one Prometheus answers', async () => {
      const rules = await until('the alert rules evaluated', async () => {
        const answer = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as {
          data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> };
        };
        const all = answer.data.groups.flatMap((group) => group.rules);
        return all.length > 0 && all.every((rule) => rule.health !== 'unknown') ? all : undefined;
      });
      expect(rules.filter((rule) => rule.health !== 'ok')).toEqual([]);
      expect(rules.map((rule) => rule.name)).toEqual(
        expect.arrayContaining([
          'SmsBudgetTripped',
          'SmsDeliveryFailureRatioHigh',
          'OutboxLagGrowing',
          'CodeQueueBacklogGrowing',
        ]),
      );

      const dashboard = JSON.parse(readFileSync('docs/ops/grafana-dashboard.json', 'utf8')) as {
        panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
      };
      const queries = dashboard.panels.flatMap((panel) =>
        (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })),
      );
      expect(queries.length).toBeGreaterThan(10);
      for (const { panel, expr } of queries) {
        // Grafana's own variables, as Grafana fills them in.
        const promql = expr.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '5m');
        const result = await prometheus.query(promql).catch((error: Error) => error.message);
        expect({ panel, result: typeof result === 'string' ? result : 'answered' }).toEqual({
          panel,
          result: 'answered',
        });
      }
      // The funnel panel answers 1 after the flow above: every code sent was used.
      expect(
        await prometheus.value(
          queries.find((query) => query.panel.startsWith('Funnel'))!.expr.replaceAll('$__range', '5m'),
        ),
      ).toBe(1);
    });
  });
});
