import 'reflect-metadata';
import { closeOnSignals, ConfigError, loadSettings } from '@app/domain';
import { createWorker } from './worker.setup.js';

async function main(): Promise<void> {
  const worker = await createWorker(await loadSettings());
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
