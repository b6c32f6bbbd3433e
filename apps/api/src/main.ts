import '@app/platform/node-version';
import 'reflect-metadata';
import { closeOnSignals, exitOnStartFailure, listenError, loadSettings } from '@app/platform';
import { createApiApp } from './app.setup.js';

async function main(): Promise<void> {
  const config = await loadSettings();
  const app = await createApiApp(config);
  closeOnSignals(app, 'api', config.http.shutdownDelaySeconds);
  const { host, port } = config.http;
  await app.listen({ port, host }).catch((error: unknown) => {
    throw listenError('the API', host, port, 'set PORT (and HOST) to a free one', error);
  });
}

main().catch(exitOnStartFailure('api'));
