// Jest's Node environment for the files that start processes (built apps, engines), with one addition:
// whatever a file started and did not stop, by a failed `beforeAll` or a forgotten `afterAll`, is killed
// when the file ends. A live child keeps Jest's process from exiting, and a run that never ends is the
// worst way for a test to fail (CI once waited out its 90 minutes on one).
import { TestEnvironment } from 'jest-environment-node';

export default class ProcessesEnvironment extends TestEnvironment {
  children = new Set();

  constructor(config, context) {
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
