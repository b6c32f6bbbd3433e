// `make run`: the API and the worker as two processes, in the foreground.
// `make dev` (--watch): each is recompiled and restarted when its sources change.
// Without DATABASE_URL it first starts the embedded PostgreSQL kept in DATA_DIR,
// which stays up across the restarts of `make dev`. Ctrl-C (or SIGTERM) stops
// both gracefully, then the database; if either dies, the rest are stopped too.
import { spawn } from 'node:child_process';
import { relative } from 'node:path';
import { startEmbeddedPostgres } from './embedded-postgres.mjs';
import { withNodeFlags } from './node-flags.mjs';

const watch = process.argv.includes('--watch');
const processes = {
  api: 'dist/apps/api/apps/api/src/main.js',
  worker: 'dist/apps/worker/apps/worker/src/main.js',
};
const say = (message) => console.error(`[run] ${message}`);
const started = Date.now();

let database = null;
if (!process.env.DATABASE_URL) {
  const dataDir = process.env.DATA_DIR ?? './.data';
  try {
    database = await startEmbeddedPostgres({ dataDir });
  } catch (error) {
    say(error.message);
    process.exit(1);
  }
  // Here, not in a copy: the settings read below see it too.
  process.env.DATABASE_URL = database.url;
}

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
const childEnv = withNodeFlags({ ...process.env });

function supervise(name, command, args, env) {
  const child = spawn(command, args, { stdio: 'inherit', env });
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

for (const [name, entry] of Object.entries(processes)) {
  if (watch) {
    // Nest's CLI recompiles the app (and the domain library) into dist/ on every change, with
    // the compiler's own heap; Node's watch mode restarts the app when its output changes, and on
    // Ctrl-C waits for it to finish, so the database stops last.
    const nest = ['node_modules/@nestjs/cli/bin/nest.js', 'build', name, '--watch', '--preserveWatchOutput'];
    supervise(`${name} compiler`, process.execPath, nest, process.env);
    const watchPath = entry.split('/').slice(0, 3).join('/');
    supervise(
      name,
      process.execPath,
      [`--watch-path=${watchPath}`, '--watch-preserve-output', '--enable-source-maps', entry],
      childEnv,
    );
  } else {
    supervise(name, process.execPath, ['--enable-source-maps', entry], childEnv);
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    say(`${signal}: stopping the API and the worker`);
    stopAll('SIGTERM');
  });
}

/**
 * What the processes serve, from the same settings they read (environment and
 * .env). Null when they are unusable: the processes say why themselves.
 */
async function readSettings() {
  try {
    const { loadSettings } = await import('../dist/apps/api/libs/platform/src/config/settings.js');
    return await loadSettings();
  } catch {
    return null;
  }
}

const shortPath = (path) => (relative('.', path).startsWith('..') ? path : relative('.', path));

function banner(config, seconds) {
  const host = ['0.0.0.0', '::'].includes(config.http.host) ? '127.0.0.1' : config.http.host;
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${config.http.port}`;
  const metricsHost = ['0.0.0.0', '::'].includes(config.metrics.host) ? '127.0.0.1' : config.metrics.host;
  const metrics = (port) => (port === 0 ? 'off' : `http://${metricsHost}:${port}/metrics`);
  const rows = [
    ['page', `${base}/`],
    ['Swagger UI', `${base}/swagger/  (the document: ${base}/swagger.json)`],
    ['ReDoc', `${base}/redoc/`],
    [
      'SMS inbox',
      config.sms.transports.includes('simulated')
        ? `${base}/api/v1/dev/sms/?phone_number=…  (simulated SMS; also on the page)`
        : `none: codes go out through ${config.sms.transports.join(', ')}`,
    ],
    [
      'queues',
      config.queueDashboard
        ? `${base}/admin/queues/  (as QUEUE_DASHBOARD_USER)`
        : 'dashboard off (set QUEUE_DASHBOARD_USER and QUEUE_DASHBOARD_PASSWORD)',
    ],
    ['metrics', `API ${metrics(config.metrics.port ?? 9464)}, worker ${metrics(config.metrics.port ?? 9465)}`],
    [
      'database',
      database
        ? `embedded PostgreSQL in ${shortPath(database.dir)}, 127.0.0.1:${database.port}`
        : `DATABASE_URL (${new URL(config.database.url).host}${new URL(config.database.url).pathname})`,
    ],
    ['queue', config.queue.backend === 'redis' ? 'Redis' : 'PostgreSQL (set REDIS_URL for Redis)'],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return [
    `ready in ${seconds} s${watch ? ', restarting on source changes' : ''}`,
    ...rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`),
  ].join('\n');
}

// Say where to look once the API answers.
const config = await readSettings();
const port = config?.http.port ?? process.env.PORT ?? '3000';
const probeHost = !config || ['0.0.0.0', '::'].includes(config.http.host) ? '127.0.0.1' : config.http.host;
const timer = setInterval(async () => {
  try {
    const response = await fetch(
      `http://${probeHost.includes(':') ? `[${probeHost}]` : probeHost}:${port}/health/ready`,
    );
    if (response.ok && children.has('api')) {
      clearInterval(timer);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      say(config ? banner(config, seconds) : `ready in ${seconds} s: http://127.0.0.1:${port}/`);
    }
  } catch {
    // not listening yet
  }
}, 200);
timer.unref();
