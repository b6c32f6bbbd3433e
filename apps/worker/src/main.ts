import '@app/domain/node-version';
import 'reflect-metadata';
import { closeOnSignals, exitOnStartFailure, loadSettings } from '@app/domain';
import { createWorker } from './worker.setup.js';

async function main(): Promise<void> {
  const worker = await createWorker(await loadSettings());
  closeOnSignals(worker, 'worker');
  await worker.init();
}

main().catch(exitOnStartFailure('worker'));
