import '@app/platform/node-version';
import 'reflect-metadata';
import { closeOnSignals, exitOnStartFailure, loadConfig, loadSettings } from '@app/platform';
import { createWorker } from './worker.setup.js';

async function main(): Promise<void> {
  // A worker signs no token (no KEY_ENCRYPTION_SECRET): it opens codes with OTP_SECRET alone.
  const worker = await createWorker(await loadSettings((variables) => loadConfig(variables, 'worker')));
  closeOnSignals(worker, 'worker');
  await worker.init();
}

main().catch(exitOnStartFailure('worker'));
