import 'reflect-metadata';
import { closeOnSignals, ConfigError, loadConfig } from '@app/domain';
import { createWorker } from './worker.setup.js';

async function main(): Promise<void> {
  const worker = await createWorker(loadConfig());
  closeOnSignals(worker, 'worker');
  await worker.init();
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error('worker failed to start:', error);
  }
  process.exit(1);
});
