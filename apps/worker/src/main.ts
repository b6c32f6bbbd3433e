import '@app/platform/node-version';
import { startTracing } from '@app/platform/tracing';

/*
 * Tracing starts before the application is imported (OTEL_EXPORTER_OTLP_ENDPOINT
 * set): its instrumentations patch pg, ioredis and undici as they load. Nothing
 * else is imported here, statically.
 */
async function main(): Promise<void> {
  const tracing = await startTracing('referral-worker');
  const { startWorker } = await import('./worker.main.js');
  await startWorker(tracing);
}

// startWorker answers its own failures to start (exitOnStartFailure); this is for what comes before it.
main().catch((error: unknown) => {
  console.error('worker: could not start:', error);
  process.exit(1);
});
