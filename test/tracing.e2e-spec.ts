import { EVENTS_SECRET, startReceiver, type Receiver } from './support/events-receiver.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver.js';
import { nextPhone } from './support/phones.js';
import { startDeployment, type Deployment } from './support/processes.js';
import { until } from './support/wait.js';

/**
 * SPEC section 16's traces from outside: the built API and worker, each
 * started as main.ts starts it (tracing before the application loads), export
 * OTLP/HTTP to a local receiver; the SMS goes through the signed webhook to a
 * local receiver that stands in for the gateway. One signup must be one trace:
 * the API's HTTP span, its statements and Redis commands, the queue's publish;
 * the worker's job span under the publish, its statements, and its call to the
 * gateway, whose request carries the same trace (`traceparent`).
 */
/** The worker's outbound HTTP call (a client span with a method; its statements and commands are client spans too). */
const gatewayCall = (span: ReceivedSpan) =>
  span.service === 'referral-worker' && span.kind === 3 && span.attributes['http.request.method'] === 'POST';

describe('one trace from the signup to the gateway (OpenTelemetry, OTLP/HTTP)', () => {
  let otlp: OtlpReceiver;
  let gateway: Receiver;
  let deployment: Deployment;

  beforeAll(async () => {
    otlp = await startOtlpReceiver();
    gateway = await startReceiver(EVENTS_SECRET);
    deployment = await startDeployment({
      apis: 1,
      workers: 1,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        SMS_TRANSPORT: 'webhook',
        SMS_WEBHOOK_URL: gateway.url,
        SMS_WEBHOOK_SECRET: EVENTS_SECRET,
        SMS_DELAY_MS: '0',
        // The request lines and the job's line, to find the trace in.
        LOG_LEVEL: 'debug',
      },
    });
  });
  afterAll(async () => {
    await deployment?.stop();
    await gateway?.close();
    await otlp?.close();
  });

  it('links the API’s request, its statements, the queue, the worker’s job and the gateway’s call', async () => {
    const phone = nextPhone();
    const answer = await fetch(`${deployment.apis[0].base}/api/v1/auth/signup/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone_number: phone }),
    });
    expect(answer.status).toBe(202);
    const sms = await until('the SMS at the gateway', () =>
      gateway.delivered.find((delivery) => (JSON.parse(delivery.body) as { to: string }).to === phone),
    );
    const traceparent = String(sms.headers.traceparent ?? '');
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const traceId = traceparent.split('-')[1];

    const spans = await until(
      'the request’s, the job’s and the gateway call’s spans',
      () => {
        // Each process exports its spans in batches as they end: the job's ends after the call, in a later one.
        const ofTrace = otlp.spans.filter((span) => span.traceId === traceId);
        const ended = ofTrace.some(gatewayCall) && ofTrace.some((span) => span.name === 'code-delivery process');
        return ended && ofTrace.some((span) => span.kind === 2) ? ofTrace : undefined;
      },
      15_000,
    );
    expect(otlp.refused).toEqual([]);
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const parentOf = (span: ReceivedSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);
    const one = (what: string, test: (span: ReceivedSpan) => boolean) => {
      const found = spans.filter(test);
      expect({ what, found: found.length }).toEqual({ what, found: 1 });
      return found[0];
    };
    const request = one('the API’s server span', (s) => s.service === 'referral-api' && s.kind === 2);
    expect(request.name).toBe('POST /api/v1/auth/signup');
    expect(request.parentSpanId).toBeNull();
    const publish = one('the queue’s publish', (s) => s.name === 'code-delivery publish');
    expect(parentOf(publish)).toBe(request);
    const job = one('the worker’s job', (s) => s.name === 'code-delivery process');
    expect([job.service, parentOf(job)]).toEqual(['referral-worker', publish]);
    const call = one('the gateway’s call', gatewayCall);
    expect(call.attributes['url.full']).toBe(gateway.url);
    expect(parentOf(call)).toBe(job);
    expect(traceparent.split('-')[2]).toBe(call.spanId);
    // Statements and Redis commands under the request and under the job; every span of the trace hangs on the request.
    const api = spans.filter((s) => s.service === 'referral-api');
    const worker = spans.filter((s) => s.service === 'referral-worker');
    expect(
      api.some((s) => s.attributes['db.system.name'] === 'postgresql' || s.attributes['db.system'] === 'postgresql'),
    ).toBe(true);
    // The limits, the budgets and the queue are Redis's when there is one (TEST_REDIS_URL), PostgreSQL's otherwise.
    const system = deployment.env.REDIS_URL ? 'redis' : 'postgresql';
    expect(
      api.filter((s) => (s.attributes['db.system.name'] ?? s.attributes['db.system']) === system).length,
    ).toBeGreaterThan(0);
    expect(
      worker.some(
        (s) => (s.attributes['db.system.name'] ?? s.attributes['db.system']) === 'postgresql' && parentOf(s) === job,
      ),
    ).toBe(true);
    const root = (span: ReceivedSpan): ReceivedSpan => (parentOf(span) ? root(parentOf(span)!) : span);
    expect(spans.filter((span) => root(span) !== request)).toEqual([]);

    // The request's line and the job's carry the trace's id.
    const linesOf = (output: string) => output.split('\n').filter((line) => line.includes(`"trace_id":"${traceId}"`));
    expect(linesOf(deployment.apis[0].process.output()).length).toBeGreaterThan(0);
    expect(linesOf(deployment.workers[0].output()).some((line) => line.includes('code delivery'))).toBe(true);

    const ms = (span: ReceivedSpan) => (Number(span.endNs - span.startNs) / 1e6).toFixed(1);
    const depth = (span: ReceivedSpan): number => (parentOf(span) ? depth(parentOf(span)!) + 1 : 0);
    const ordered = [...spans].sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
    console.log(
      `one signup's trace ${traceId} (${spans.length} spans):\n` +
        ordered.map((span) => `${'  '.repeat(depth(span) + 1)}${span.service} ${span.name} ${ms(span)} ms`).join('\n'),
    );
  });

  it('names the trace in the error body beside request_id', async () => {
    const answer = await fetch(`${deployment.apis[0].base}/api/v1/auth/code/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone_number: nextPhone(), code: '0000' }),
    });
    const body = (await answer.json()) as { error: string; request_id: string; trace_id?: string };
    expect(body).toMatchObject({ error: 'INVALID_CODE', trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
    await until('the refused request’s span', () =>
      otlp.spans.find((span) => span.traceId === body.trace_id && span.kind === 2),
    );
  });
});
