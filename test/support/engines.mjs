// Plain JavaScript: the global setup (which Jest loads outside its module mapping) and the tests share these.
// The real engines the tests drive, from Debian's packages, each started by the test on loopback ports
// in a folder of its own, and stopped (folder removed) by it.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Whether a Debian package's program is here. `.ci/run` installs what is
 * missing and sets REQUIRE_ENGINES=1, so there a missing engine fails the run;
 * elsewhere its tests are skipped with a line saying what to install.
 */
export function hasEngine(program, debianPackage) {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
    return true;
  } catch {
    const message = `no ${program} on this machine (apt-get install ${debianPackage})`;
    if (process.env.REQUIRE_ENGINES === '1') throw new Error(`${message}: REQUIRE_ENGINES=1 asks for every engine`);
    console.warn(`${message}: its tests are skipped`);
    return false;
  }
}

/** Ports this module handed out: never twice, whether or not their engine still listens. */
const handedOut = new Set();

/** The first port of the kernel's ephemeral range (outgoing connections' local ports, and `listen(0)`). */
function ephemeralLow() {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * A free TCP port on 127.0.0.1 for a process the test starts, taken below the
 * kernel's ephemeral range (by default 20,768-32,767). A port from `listen(0)`
 * lies inside that range, and between the check and the engine's own listen the
 * kernel may give it to an outgoing connection as its local port (a pool's
 * connection to PostgreSQL, say): CI once lost an API's metrics port that way
 * ("metrics cannot listen on 127.0.0.1:39065"). `span` leaves room above the
 * port (a Redis Cluster node's bus listens 10,000 higher, below the range too).
 */
export async function freePort({ span = 0 } = {}) {
  const top = ephemeralLow() - 1 - span;
  const bottom = Math.max(1_024, ephemeralLow() - 12_000);
  for (let tries = 0; tries < 1_000; tries++) {
    const port = bottom + Math.floor(Math.random() * (top - bottom + 1));
    if (handedOut.has(port) || !(await isFree(port)) || (span && !(await isFree(port + span)))) continue;
    handedOut.add(port);
    if (span) handedOut.add(port + span);
    return port;
  }
  throw new Error(`no free port between ${bottom} and ${top} in 1,000 tries`);
}

async function waitForPort(port, what, child, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const open = await new Promise((resolve) => {
      const socket = createConnection(port, '127.0.0.1', () => socket.end(() => resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`${what} did not listen on ${port} within ${timeoutMs} ms`);
}

/**
 * Hands a started process to the test environment (test/support/environment.mjs), which kills it when
 * the file ends with it still running; outside a test file (the global setup) this does nothing.
 */
export function tracked(child) {
  globalThis.startedProcesses?.add(child);
  return child;
}

function run(program, args, dir, options = {}) {
  let log = '';
  const child = tracked(spawn(program, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], ...options }));
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (log += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    child,
    output: () => log,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** A folder the engine's own user can read (PgBouncer drops root for `postgres`). */
function engineDir(name) {
  const dir = mkdtempSync(join(tmpdir(), `referral-${name}-`));
  chmodSync(dir, 0o755);
  return dir;
}

/**
 * PgBouncer 1.18 in transaction mode in front of a PostgreSQL server (trust
 * auth, as this machine's): every database of the server, through one port.
 */
export async function startPgBouncer({
  host = '127.0.0.1',
  port: serverPort = 5432,
  poolSize = 20,
  ignoreStartupParameters = [],
} = {}) {
  const dir = engineDir('pgbouncer');
  const port = await freePort();
  const ini = join(dir, 'pgbouncer.ini');
  writeFileSync(join(dir, 'userlist.txt'), '"postgres" ""\n', { mode: 0o644 });
  writeFileSync(
    ini,
    [
      '[databases]',
      `* = host=${host} port=${serverPort}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      'max_client_conn = 2000',
      `default_pool_size = ${poolSize}`,
      'max_db_connections = 0',
      'admin_users = postgres',
      'log_connections = 0',
      'log_disconnections = 0',
      ...(ignoreStartupParameters.length > 0
        ? [`ignore_startup_parameters = ${ignoreStartupParameters.join(',')}`]
        : []),
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  // PgBouncer refuses to run as root.
  const asRoot = process.getuid?.() === 0;
  const engine = run('pgbouncer', asRoot ? ['-u', 'postgres', ini] : [ini], dir);
  try {
    await waitForPort(port, 'pgbouncer', engine.child);
  } catch (error) {
    await engine.kill('SIGKILL');
    throw new Error(`${error.message}\n${engine.output()}`, { cause: error });
  }
  return {
    port,
    /** A URL through PgBouncer to the same database as `url`. */
    through(url) {
      const target = new URL(url);
      target.hostname = '127.0.0.1';
      target.port = String(port);
      return target.toString();
    },
    output: engine.output,
    async stop() {
      await engine.kill('SIGINT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function redisCli(port, args) {
  return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8' }).trim();
}

/**
 * A Redis Cluster of `masters` masters with one replica each, on loopback
 * ports (redis-cli --cluster create), with a short cluster-node-timeout so a
 * killed master's replica takes over within seconds. Keeps nothing on disk.
 */
/** Whether nothing listens on the port now. */
function isFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function startRedisCluster({ masters = 3, nodeTimeoutMs = 1000 } = {}) {
  const dir = engineDir('redis-cluster');
  const nodes = [];
  for (let i = 0; i < masters * 2; i++) {
    // A node's cluster bus listens 10,000 above its port: both must be free (a node whose bus
    // could not listen never joined, and the cluster never reached ok).
    const port = await freePort({ span: 10_000 });
    const engine = run(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--protected-mode',
        'no',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        String(nodeTimeoutMs),
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ],
      dir,
    );
    nodes.push({ port, engine });
  }
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.engine.kill('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const node of nodes) await waitForPort(node.port, 'redis-server', node.engine.child);
    execFileSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((node) => `127.0.0.1:${node.port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 30_000;
    const ready = () =>
      nodes.every((node) => {
        const info = redisCli(node.port, ['cluster', 'info']);
        return (
          info.includes('cluster_state:ok') && /cluster_known_nodes:(\d+)/.exec(info)?.[1] === String(nodes.length)
        );
      });
    while (!ready()) {
      if (Date.now() > deadline) throw new Error('the Redis Cluster did not reach cluster_state:ok within 30 s');
      await sleep(200);
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const alive = () =>
    nodes.filter((node) => node.engine.child.exitCode === null && node.engine.child.signalCode === null);
  /** `cluster nodes` as seen by a live node: id, port, role, whether it is failed, its slot ranges. */
  const topology = () =>
    redisCli(alive()[0].port, ['cluster', 'nodes'])
      .split('\n')
      .map((line) => {
        const [id, address, flags, , , , , , ...slots] = line.split(' ');
        return {
          id,
          port: Number(address.split(':')[1].split('@')[0]),
          master: flags.includes('master'),
          failed: flags.includes('fail'),
          slots: slots.filter((range) => !range.startsWith('[')).map((range) => range.split('-').map(Number)),
        };
      });
  return {
    /** REDIS_CLUSTER_NODES for the processes. */
    seeds: nodes.map((node) => `127.0.0.1:${node.port}`).join(','),
    ports: nodes.map((node) => node.port),
    topology,
    /** The port of the live master that holds `key`'s slot. */
    masterOf(key) {
      const slot = Number(redisCli(alive()[0].port, ['cluster', 'keyslot', key]));
      const holder = topology().find(
        (node) => node.master && !node.failed && node.slots.some(([from, to = from]) => slot >= from && slot <= to),
      );
      return holder?.port;
    },
    /** SIGKILLs the node on `port`. */
    async kill(port) {
      await nodes.find((node) => node.port === port).engine.kill('SIGKILL');
    },
    stop,
  };
}

/**
 * HAProxy in front of some API processes: round robin, health-checked on
 * /health/ready every 500 ms (out after 2 failures), X-Forwarded-For added,
 * a refused connection retried on another server.
 */
export async function startHaproxy(backends) {
  const dir = engineDir('haproxy');
  const port = await freePort();
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(
    config,
    [
      'global',
      '  maxconn 4096',
      'defaults',
      '  mode http',
      '  timeout connect 1s',
      '  timeout client 30s',
      '  timeout server 30s',
      '  option forwardfor',
      '  option redispatch',
      '  retries 2',
      '  retry-on conn-failure',
      'frontend api',
      `  bind 127.0.0.1:${port}`,
      '  default_backend apis',
      'backend apis',
      '  balance roundrobin',
      '  option httpchk GET /health/ready',
      '  http-check expect status 200',
      '  default-server inter 500ms fall 2 rise 2',
      ...backends.map((backend, i) => `  server api${i + 1} 127.0.0.1:${backend} check`),
      '',
    ].join('\n'),
  );
  const engine = run('haproxy', ['-f', config, '-db'], dir);
  await waitForPort(port, 'haproxy', engine.child);
  return {
    url: `http://127.0.0.1:${port}`,
    output: engine.output,
    async stop() {
      await engine.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
