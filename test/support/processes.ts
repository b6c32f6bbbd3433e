import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { baseTestEnv, TEST_KEY_PREFIX } from './test-env.js';

export const API_ENTRY = 'dist/apps/api/apps/api/src/main.js';
export const WORKER_ENTRY = 'dist/apps/worker/apps/worker/src/main.js';

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface BuiltProcess {
  child: ChildProcess;
  output: () => string;
  /** SIGTERM (or another signal), then waits for the exit; answers the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs a built app (`npm run build`, which `make test` does first) as its own
 * process, as `npm run start:api` / `start:worker` do in production.
 */
export function startBuilt(entry: string, env: Record<string, string>): BuiltProcess {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first (\`make test\` does)`);
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => log,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls a URL until it answers 200, or fails after `timeoutMs`. */
export async function waitUntilReady(url: string, timeoutMs = 20_000, process?: BuiltProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url} was not ready within ${timeoutMs} ms\n${process?.output() ?? ''}`);
}

let deployments = 0;

/** Settings for built processes: the test database, and a key prefix of their own. */
export function builtEnv(extra: Record<string, string> = {}): Record<string, string> {
  deployments += 1;
  return {
    ...baseTestEnv(),
    REDIS_KEY_PREFIX: `${TEST_KEY_PREFIX}-built-${process.pid}-${deployments}`,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}
