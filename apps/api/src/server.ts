import 'reflect-metadata';
import { closeOnSignals, exitOnStartFailure, listenError, loadSettings, type Tracing } from '@app/platform';
import { createApiApp } from './app.setup.js';

/** The API, started: imported by main.ts once tracing (if any) watches the libraries load. */
export async function startApi(tracing: Tracing | null): Promise<void> {
  await start(tracing).catch(exitOnStartFailure('api'));
}

async function start(tracing: Tracing | null): Promise<void> {
  const config = await loadSettings();
  const app = await createApiApp(config);
  // The spans still in the batch go out before the process ends.
  closeOnSignals(
    { close: async () => (await app.close(), await tracing?.shutdown()) },
    'api',
    config.http.shutdownDelaySeconds,
  );
  const { host, port } = config.http;
  await app.listen({ port, host }).catch((error: unknown) => {
    throw listenError('the API', host, port, 'set PORT (and HOST) to a free one', error);
  });
}
