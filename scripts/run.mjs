// `make run`: the API and the worker as two processes, in the foreground.
// Without DATABASE_URL it first starts the embedded PostgreSQL kept in DATA_DIR.
// Ctrl-C (or SIGTERM) stops both gracefully, then the database; if either dies,
// the rest are stopped too.
import { spawn } from 'node:child_process';
import { startEmbeddedPostgres } from './embedded-postgres.mjs';
import { withNodeFlags } from './node-flags.mjs';

const processes = {
  api: 'dist/apps/api/apps/api/src/main.js',
  worker: 'dist/apps/worker/apps/worker/src/main.js',
};
const say = (message) => console.error(`[run] ${message}`);
const started = Date.now();

const env = { ...process.env };
let database = null;
if (!env.DATABASE_URL) {
  const dataDir = env.DATA_DIR ?? './.data';
  try {
    database = await startEmbeddedPostgres({ dataDir });
  } catch (error) {
    say(error.message);
    process.exit(1);
  }
  env.DATABASE_URL = database.url;
  say(`database: embedded PostgreSQL in ${database.dir} on 127.0.0.1:${database.port}`);
} else {
  say('database: DATABASE_URL');
}
say(
  env.REDIS_URL ? 'queue and per-IP limits: Redis (REDIS_URL)' : 'queue and per-IP limits: PostgreSQL (no REDIS_URL)',
);

const children = new Map();
let stopping = false;
let exitCode = 0;

function stopAll(signal = 'SIGTERM') {
  if (stopping) return;
  stopping = true;
  for (const child of children.values()) if (child.exitCode === null) child.kill(signal);
  // A process that has not finished its work within 15 s is killed.
  setTimeout(() => {
    for (const child of children.values()) if (child.exitCode === null) child.kill('SIGKILL');
  }, 15_000).unref();
}

async function finish() {
  if (database) {
    await database.stop();
    say('database stopped');
  }
  process.exit(exitCode);
}

// Both processes with the default heap settings, unless NODE_OPTIONS is set.
const childEnv = withNodeFlags(env);
for (const [name, entry] of Object.entries(processes)) {
  const child = spawn(process.execPath, ['--enable-source-maps', entry], { stdio: 'inherit', env: childEnv });
  children.set(name, child);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      say(`${name} stopped (${signal ?? `exit code ${code}`}); stopping the rest`);
      exitCode = code || 1;
      stopAll();
    }
    if (children.size === 0) void finish();
  });
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    say(`${signal}: stopping the API and the worker`);
    stopAll('SIGTERM');
  });
}

// Say where to look once the API answers.
const port = env.PORT ?? '3000';
const timer = setInterval(async () => {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
    if (response.ok && children.has('api')) {
      clearInterval(timer);
      say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s: http://127.0.0.1:${port}/`);
    }
  } catch {
    // not listening yet
  }
}, 200);
timer.unref();
