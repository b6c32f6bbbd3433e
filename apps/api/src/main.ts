import 'reflect-metadata';
import { closeOnSignals, ConfigError, loadSettings } from '@app/domain';
import { createApiApp } from './app.setup.js';

async function main(): Promise<void> {
  const config = await loadSettings();
  const app = await createApiApp(config);
  closeOnSignals(app, 'api');
  await app.listen({ port: config.http.port, host: config.http.host });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error('api failed to start:', error);
  }
  process.exit(1);
});
