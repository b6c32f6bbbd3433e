import { register } from 'node:module';

/**
 * OpenTelemetry traces (SPEC section 16), off unless an OTLP endpoint is set
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT). The SDK
 * reads the standard OTEL_* variables itself: the protocol
 * (OTEL_EXPORTER_OTLP_PROTOCOL, http/protobuf by default), the sampler
 * (OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG), the batch's timing
 * (OTEL_BSP_*), the service's name (OTEL_SERVICE_NAME). Spans: the HTTP
 * server and client (node:http, undici), each SQL statement (pg), each Redis
 * command (ioredis); the queue's add and its job are ours (queue-tracing.ts).
 *
 * Imported by each entry point before anything else, and started before the
 * application is imported: the instrumentations patch pg, ioredis and http as
 * they load (the ESM hook for `import`, require-in-the-middle for `require`).
 * Off, nothing of the SDK is loaded.
 */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return (
    Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) &&
    env.OTEL_SDK_DISABLED !== 'true'
  );
}

export interface Tracing {
  shutdown(): Promise<void>;
}

export async function startTracing(serviceName: string): Promise<Tracing | null> {
  if (!tracingEnabled()) return null;
  // Traces only: the metrics are Prometheus's (METRICS_PORT), the logs stdout's.
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
  process.env.OTEL_LOGS_EXPORTER ??= 'none';
  process.env.OTEL_TRACES_EXPORTER ??= 'otlp';
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const [
    { NodeSDK },
    { HttpInstrumentation },
    { UndiciInstrumentation },
    { PgInstrumentation },
    { IORedisInstrumentation },
  ] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-undici'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/instrumentation-ioredis'),
  ]);
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? serviceName,
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes are not requests anyone follows.
        ignoreIncomingRequestHook: (request) => /^\/(health\/|metrics)/.test(request.url ?? ''),
      }),
      new UndiciInstrumentation(),
      // Each statement's text, never its values (a phone number, a code's hash).
      new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
