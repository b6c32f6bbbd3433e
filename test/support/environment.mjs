// Jest's Node environment for the files that start processes (built apps, engines), with one addition:
// whatever a file started and did not stop, by a failed `beforeAll` or a forgotten `afterAll`, is killed
// when the file ends. A live child keeps Jest's process from exiting, and a run that never ends is the
// worst way for a test to fail (CI once waited out its 90 minutes on one).
import { TestEnvironment } from 'jest-environment-node';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workerDatabaseUrl } from './worker-database.mjs';

/** Once per worker process: its files run on its own copy of the test database (global-setup.mjs). */
function useWorkerDatabase() {
  const worker = Number(process.env.JEST_WORKER_ID ?? 1);
  if (process.env.TEST_WORKER_DATABASE === String(worker)) return;
  for (const name of ['TEST_DATABASE_URL', 'TEST_DATABASE_DIRECT_URL'])
    if (process.env[name]) process.env[name] = workerDatabaseUrl(process.env[name], worker);
  process.env.TEST_WORKER_DATABASE = String(worker);
}

export default class ProcessesEnvironment extends TestEnvironment {
  children = new Set();

  constructor(config, context) {
    useWorkerDatabase();
    // The built apps the tests start (dozens per run) share V8's compiled code through Node's own cache,
    // checked against each file's contents: a start costs about a quarter less CPU. Only the children use it.
    process.env.NODE_COMPILE_CACHE ??= join(tmpdir(), 'referral-test-compile-cache');
    super(config, context);
    this.file = context.testPath;
    // The helpers that spawn (test/support/processes.ts, engines.mjs, prometheus.ts) add each child here.
    this.global.startedProcesses = this.children;
  }

  async teardown() {
    const running = [...this.children].filter((child) => child.exitCode === null && child.signalCode === null);
    if (running.length > 0) {
      process.stderr.write(
        `${this.file} left ${running.length} process(es) running; killed: ${running.map((child) => `${child.spawnfile} (${child.pid})`).join(', ')}\n`,
      );
      await Promise.all(
        running.map(
          (child) =>
            new Promise((resolve) => {
              child.once('exit', resolve);
              child.kill('SIGKILL');
              setTimeout(resolve, 5_000).unref();
            }),
        ),
      );
    }
    this.children.clear();
    await super.teardown();
  }
}
