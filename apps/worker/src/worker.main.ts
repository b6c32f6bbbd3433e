import 'reflect-metadata';
import { closeOnSignals, exitOnStartFailure, loadConfig, loadSettings, type Tracing } from '@app/platform';
import { createWorker } from './worker.setup.js';

/** The worker, started: imported by main.ts once tracing (if any) watches the libraries load. */
export async function startWorker(tracing: Tracing | null): Promise<void> {
  await start(tracing).catch(exitOnStartFailure('worker'));
}

async function start(tracing: Tracing | null): Promise<void> {
  // A worker signs no token (no KEY_ENCRYPTION_SECRET): it opens codes with OTP_SECRET alone.
  const worker = await createWorker(await loadSettings((variables) => loadConfig(variables, 'worker')));
  // The spans still in the batch go out before the process ends.
  closeOnSignals({ close: async () => (await worker.close(), await tracing?.shutdown()) }, 'worker');
  await worker.init();
}
