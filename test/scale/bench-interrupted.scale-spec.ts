import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

/**
 * `make bench` stopped halfway, the way it is stopped in practice: its make
 * sent SIGTERM (a CI job's timeout, `kill`), or Ctrl-C in a terminal (SIGINT
 * to the whole foreground group). Every process the bench started (the API,
 * the worker, both ceilings, the sink) is gone a few seconds later.
 */

const DATABASE = `referral_bench_interrupted_${process.pid}`;

/** Every process below `root`, read from /proc: pid, parent and command line. */
function descendants(root: number): Array<{ pid: number; command: string }> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name, in parentheses, may hold spaces: the fields after it are counted from its end.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // ended while read
    }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parents)
      if (parent === pid) {
        found.push(child);
        walk(child);
      }
  };
  walk(root);
  return found.map((pid) => ({ pid, command: commandOf(pid) }));
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    // A zombie has ended; only its parent has not read its status yet.
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/** The bench's own processes: the API, the worker, the two ceilings and the sink. */
const BENCH_PARTS = [
  /apps\/api\/src\/main\.js/,
  /apps\/worker\/src\/main\.js/,
  /bench\/ceiling\.mjs/,
  /bench\/ceiling-signup\.mjs/,
  /bench\/sink\.mjs/,
];

function startBench(): { make: ChildProcess; output: () => string } {
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${DATABASE}`;
  let output = '';
  const make = spawn('make', ['--no-print-directory', 'bench'], {
    // Its own process group, as a terminal's job: Ctrl-C reaches the whole group.
    detached: true,
    env: { ...process.env, BENCH_DATABASE_URL: url.toString(), BENCH_PHASES: 'a' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  make.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  make.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { make, output: () => output };
}

/** Waits until every part of the bench runs (the seeding comes first). */
async function partsRunning(make: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 240_000;
  while (Date.now() < deadline) {
    const below = descendants(make.pid!);
    const parts = BENCH_PARTS.map((part) => below.find((process) => part.test(process.command)));
    if (parts.every(Boolean)) return;
    if (make.exitCode !== null) throw new Error(`make bench ended first:\n${output()}`);
    await sleep(250);
  }
  throw new Error(`the bench's processes did not all start:\n${output()}`);
}

async function untilGone(pids: number[], timeoutMs = 15_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && pids.some(alive)) await sleep(100);
  return pids.filter(alive);
}

describe('make bench, interrupted', () => {
  const started: ChildProcess[] = [];
  const seen = new Set<number>();

  afterAll(async () => {
    for (const make of started)
      if (make.exitCode === null && make.signalCode === null) process.kill(-make.pid!, 'SIGKILL');
    // Whatever a failed run left behind goes too.
    for (const pid of [...seen].filter(alive)) process.kill(pid, 'SIGKILL');
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await admin.end();
  }, 60_000);

  it.each([
    ['SIGTERM to make alone (a CI timeout, kill)', (make: ChildProcess) => process.kill(make.pid!, 'SIGTERM')],
    ['SIGINT to the whole group (Ctrl-C)', (make: ChildProcess) => process.kill(-make.pid!, 'SIGINT')],
  ])(
    'stops every process it started on %s',
    async (_how, interrupt) => {
      const { make, output } = startBench();
      started.push(make);
      await partsRunning(make, output);
      const everything = descendants(make.pid!).map((process) => process.pid);
      for (const pid of everything) seen.add(pid);
      const ended = new Promise<number | null>((done) => make.once('exit', (code) => done(code)));
      interrupt(make);
      expect(await ended).not.toBe(0);
      const left = await untilGone(everything);
      expect(left.map((pid) => `${pid} ${commandOf(pid)}`)).toEqual([]);
    },
    300_000,
  );
});
