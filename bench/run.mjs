// `make bench`: seeds 100,000 users, starts the built API and worker in production
// mode on this machine's PostgreSQL and Redis (SMS through the webhook transport to
// a local sink that answers after 1-2 s, like a real gateway), and measures them
// with autocannon against a framework-free ceiling. Every figure is the median of
// three runs. Results go to bench/results/ as JSON; the table is printed.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { createPrivateKey, randomBytes, sign as signWith } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { constants as osConstants, cpus, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { withNodeFlags } from '../scripts/node-flags.mjs';
import { startPgBouncer } from '../test/support/engines.mjs';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/referral_bench';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
// A prefix of this run's own: nothing left over from another run can touch its queue.
const PREFIX = `referral-bench-${process.pid}`;
const KEY_ENCRYPTION_SECRET = randomBytes(48).toString('base64url');
const OTP_SECRET = randomBytes(48).toString('base64url');
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const RUNS = 3;
const started = Date.now();
const say = (message) =>
  console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}`);

// The seeded population: user n has the phone +7990nnnnnnn.
const USERS = 100_000;
const INFLUENCER = 1; // invited users 2..20,001
/** (a) again over the tokens of this many users, each read many times in a run: an app's reads within a token's life. */
const ACTIVE_USERS = 5_000;
const INVITED_BY_OTHERS = [20_002, 30_001]; // each invited by one of the owners below
const OWNERS = [30_002, 40_001];
const ACTIVATION_POOL = [40_002, 100_000]; // nobody's inviter: free to activate during the bench
const phoneOf = (n) => `+7990${String(n).padStart(7, '0')}`;
const codeOf = (n) => {
  let code = '';
  for (let i = 0, rest = n; i < 6; i++, rest = Math.floor(rest / ALPHABET.length))
    code = ALPHABET[rest % ALPHABET.length] + code;
  return code;
};

/** BENCH_PHASES=a,d runs only those phases (a-f, s, p); every phase by default. */
const ALL_PHASES = 'a,b,c,d,e,f,s,p';
const PHASES = new Set((process.env.BENCH_PHASES ?? ALL_PHASES).split(',').map((phase) => phase.trim()));
const phase = (name) => PHASES.has(name);
const BOT_CHECK = process.env.BENCH_BOT_CHECK === '1';
const TRACES = process.env.BENCH_TRACES === '1';
const LEDGER = process.env.BENCH_LEDGER === '1';
/**
 * The layers the cost ledger leaves out, one at a time (apps/api/src/common/cost-ledger.ts), then all but the
 * token check together: without Nest the route checks the token itself, so `guard` has no part in that row.
 */
const LEDGER_LAYERS = ['nest', 'guard', 'headers', 'cors', 'log', 'histogram', 'pipes', 'serialisation'];
const LEDGER_ROWS = [
  ...LEDGER_LAYERS.map((layer) => ({ name: layer, layers: [layer] })),
  { name: 'all-but-guard', layers: LEDGER_LAYERS.filter((layer) => layer !== 'guard') },
];

// CPU time, which swings far less than rates between runs: utime + stime from /proc, in clock ticks.
const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
/** utime + stime, and cutime + cstime: what its children that ended spent (PostgreSQL's backends come and go). */
function cpuTicks(pid, { children = false } = {}) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]) + (children ? Number(fields[13]) + Number(fields[14]) : 0);
  } catch {
    return 0; // a process that has ended
  }
}
function pidsNamed(name) {
  return readdirSync('/proc').filter((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      return readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name;
    } catch {
      return false;
    }
  });
}
/**
 * CPU milliseconds so far of the bench's processes, PostgreSQL, Redis and PgBouncer. A backend
 * that ends between two readings (a pool closing an idle connection) would take its CPU with it:
 * its parent, the postmaster, has it in cutime + cstime, so every engine is read with its
 * children that ended, and the sum only grows.
 */
function cpuNow(processes) {
  const sum = (pids) => pids.reduce((total, pid) => total + cpuTicks(pid, { children: true }), 0) * TICK_MS;
  return {
    ...Object.fromEntries(
      Object.entries(processes)
        .filter(([, child]) => child)
        .map(([name, child]) => [name, cpuTicks(child.pid) * TICK_MS]),
    ),
    postgres: sum(pidsNamed('postgres')),
    redis: sum(pidsNamed('redis-server')),
    pgbouncer: sum(pidsNamed('pgbouncer')),
  };
}
/** CPU milliseconds per 1,000 requests of each process between two readings. */
function cpuPerThousand(before, after, requests) {
  return Object.fromEntries(
    Object.keys(after).map((name) => [name, round(((after[name] - before[name]) * 1000) / Math.max(1, requests), 0)]),
  );
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const round = (value, digits = 1) => Number(value.toFixed(digits));

/** An access token as the API signs it (the header byte for byte), with the key that signs now. */
function sign(key, userId, sessionId) {
  const encode = (part) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${encode({ alg: key.alg, typ: 'JWT', kid: key.kid })}.${encode({ sub: userId, sid: sessionId, iat: now, exp: now + 3600, iss: 'referral-service', aud: 'referral-api' })}`;
  return `${body}.${signWith(null, Buffer.from(body), key.privateKey).toString('base64url')}`;
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Drops the bench database (left over from an interrupted run, or this run's own), and creates it when asked. */
async function resetDatabase({ create }) {
  const admin = new URL(DATABASE_URL);
  const name = admin.pathname.slice(1);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  if (create) await client.query(`CREATE DATABASE "${name}"`);
  await client.end();
}

/** The signing key `keys ensure` made, opened as the API opens it (dist's own code). */
async function signingKey(db) {
  const { openPrivateKey, publicPemOf } = await import('../dist/apps/api/libs/domain/src/signing-keys.js');
  const {
    rows: [row],
  } = await db.query('SELECT id, algorithm, private_key, public_jwk FROM signing_keys WHERE retired_at IS NULL');
  return {
    kid: row.id,
    alg: row.algorithm,
    privateKey: createPrivateKey(openPrivateKey(KEY_ENCRYPTION_SECRET, row.id, row.private_key)),
    publicPem: publicPemOf(row.public_jwk),
  };
}

async function prepareDatabase() {
  await resetDatabase({ create: true });
  await run('node', ['dist/apps/api/libs/platform/src/migrate.js'], appEnv({}));
  // Production makes its first signing key by command, as the image's `migrate` does.
  await run('node', ['dist/apps/api/libs/platform/src/keys.js', 'keys', 'ensure'], appEnv({}));

  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  say(`seeding ${USERS.toLocaleString('en')} users`);
  const ns = Array.from({ length: USERS }, (_, i) => i + 1);
  for (let from = 0; from < USERS; from += 20_000) {
    const batch = ns.slice(from, from + 20_000);
    await db.query(
      `INSERT INTO users (id, phone_number, username, referral_code, created_at)
       SELECT gen_random_uuid(), p, u, c, now() - make_interval(secs => n)
         FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS t(p, u, c, n)`,
      [batch.map(phoneOf), batch.map((n) => `bench_${n}`), batch.map(codeOf), batch],
    );
  }
  // Activations go through the triggers, as the API's do: guard, count.
  await db.query(
    `UPDATE users SET referrer_id = (SELECT id FROM users WHERE phone_number = $1), used_referral_code = $2,
            referred_at = clock_timestamp()
      WHERE phone_number BETWEEN $3 AND $4`,
    [phoneOf(INFLUENCER), codeOf(INFLUENCER), phoneOf(2), phoneOf(20_001)],
  );
  await db.query(
    `UPDATE users u SET referrer_id = o.id, used_referral_code = o.referral_code, referred_at = clock_timestamp()
       FROM (SELECT n, $3::int + floor(random() * ($4::int - $3::int + 1))::int AS owner FROM generate_series($1::int, $2::int) n) pick
       JOIN users o ON o.phone_number = '+7990' || lpad(pick.owner::text, 7, '0')
      WHERE u.phone_number = '+7990' || lpad(pick.n::text, 7, '0')`,
    [...INVITED_BY_OTHERS, ...OWNERS],
  );
  await db.query(
    `INSERT INTO sessions (id, user_id, expires_at) SELECT gen_random_uuid(), id, now() + interval '90 days' FROM users`,
  );
  // The history 100,000 users leave: each signed in with a code, delivered by the webhook. Without it the
  // code tables start empty, and PostgreSQL keeps the plans it made for an empty table (a sequential scan)
  // while the runs grow it: a deployment that has been running has its history and its statistics.
  await db.query(
    `INSERT INTO code_requests (id, phone_number, code_hash, status, created_at, expires_at, delivered_at)
     SELECT gen_random_uuid(), phone_number, sha256(phone_number::bytea), 'used', created_at,
            created_at + interval '5 minutes', created_at + interval '2 seconds'
       FROM users`,
  );
  await db.query(
    `INSERT INTO sms_attempts (code_request_id, transport, state, started_at, finished_at)
     SELECT id, 'webhook', 'accepted', delivered_at - interval '1 second', delivered_at FROM code_requests`,
  );
  const key = await signingKey(db);
  await db.query('VACUUM ANALYZE');
  const { rows } = await db.query(
    `SELECT substr(u.phone_number, 6)::int AS n, u.id, s.id AS sid FROM users u JOIN sessions s ON s.user_id = u.id`,
  );
  const tokens = new Array(USERS + 1);
  for (const row of rows) tokens[row.n] = sign(key, row.id, row.sid);
  const [{ influenced }] = (
    await db.query('SELECT referrals AS influenced FROM referral_counts ORDER BY referrals DESC LIMIT 1')
  ).rows;
  const [{ activated }] = (await db.query('SELECT count(*)::int AS activated FROM users WHERE referrer_id IS NOT NULL'))
    .rows;
  say(`seeded: ${USERS} users, ${activated} activated a code, ${influenced} of them the influencer's`);
  return { db, tokens, publicPem: key.publicPem };
}

/**
 * The SMS budgets' last hour on PostgreSQL as a deployment at `rate` codes a second has it: one hit a code
 * for the deployment, its country and its block, spread over the hour (numbers of another range than the
 * bench's own). A reservation is measured against the window it meets in production, not an empty one.
 */
async function hourOfBudgetHits(db, rate) {
  const { phoneCountry } = await import('../dist/apps/api/libs/domain/src/phone-number.js');
  const country = `country:${phoneCountry('+79810000000') ?? 'none'}`;
  await db.query(
    `INSERT INTO sms_budget_hits (key, code_request_id, at)
     SELECT k, gen_random_uuid(), now() - make_interval(secs => 3600.0 * n / $1)
       FROM generate_series(1, $1) AS n,
            LATERAL (VALUES ('deployment'), ($2), ('block:+7981' || lpad((n / 1000)::text, 4, '0'))) AS keys(k)`,
    [rate * 3600, country],
  );
  await db.query('VACUUM ANALYZE sms_budget_hits');
  say(
    `(p) the budgets' last hour: ${(rate * 3600).toLocaleString('en')} codes counted against ${country} and the deployment`,
  );
}

function run(command, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}`)),
    );
  });
}

function appEnv(extra) {
  return {
    ...process.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    DATABASE_URL,
    REDIS_URL,
    REDIS_KEY_PREFIX: PREFIX,
    KEY_ENCRYPTION_SECRET,
    OTP_SECRET,
    SMS_TRANSPORT: 'webhook',
    SMS_WEBHOOK_URL: 'http://127.0.0.1:9/unused',
    SMS_WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 9).toString('base64')}`,
    // The sink is on loopback: production's https rule lets a private host have http.
    ALLOW_HTTP_TO_PRIVATE_HOSTS: 'true',
    // One proxy in front, as docs/deploy.md has it: the bench stands in for it and writes the client's address.
    TRUST_PROXY: '1',
    // The pumping budgets stay on, as in production, with room for the bench's load (0 turns them off).
    SMS_BUDGET_PER_HOUR: process.env.SMS_BUDGET_PER_HOUR ?? '10000000',
    SMS_BUDGET_PER_COUNTRY_PER_HOUR: process.env.SMS_BUDGET_PER_COUNTRY_PER_HOUR ?? '10000000',
    SMS_BLOCK_LIMIT_PER_HOUR: process.env.SMS_BLOCK_LIMIT_PER_HOUR ?? '10000000',
    // Conversion is read as in production, but only counted: the bench's numbers never verify their codes.
    SMS_CONVERSION_MODE: process.env.SMS_CONVERSION_MODE ?? 'shadow',
    ...extra,
  };
}

const children = [];
// The engines of test/support/engines.mjs (PgBouncer) add what they start here, as they do in a test file.
globalThis.startedProcesses = new Set();
const running = () =>
  [...children, ...globalThis.startedProcesses].filter((child) => child.exitCode === null && child.signalCode === null);
// Whatever ends the bench, its processes end with it: an error, Ctrl-C (SIGINT), make's or a CI timeout's
// SIGTERM, a closed terminal (SIGHUP). A signal's default would end the bench at once, without 'exit'.
process.on('exit', () => {
  for (const child of running()) child.kill('SIGKILL');
});
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    say(`${signal}: stopping the ${running().length} processes the bench started`);
    void stopAll().then(() => process.exit(128 + osConstants.signals[signal]));
  });
}

/** SIGTERM to every process still running (the API and worker drain), SIGKILL to any left after 5 s. */
async function stopAll() {
  const left = running();
  const exited = left.map((child) => new Promise((done) => child.once('exit', done)));
  for (const child of left) child.kill('SIGTERM');
  await Promise.race([Promise.all(exited), sleep(5000)]);
  for (const child of running()) child.kill('SIGKILL');
}

function startProcess(name, args, env) {
  mkdirSync('bench/results', { recursive: true });
  const log = openSync(`bench/results/${name}.log.tmp`, 'w');
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', log, log] });
  children.push(child);
  return child;
}

async function waitReady(url, headers = {}, name = url) {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(url, { headers })).ok) return;
    } catch {
      // starting
    }
    await sleep(100);
  }
  throw new Error(`${name} never answered ${url} with 200 (its output: bench/results/*.log.tmp)`);
}

/** The SMS gateway stand-in (bench/sink.mjs), in its own process; its receipts arrive over IPC. */
async function startSink(port) {
  const received = new Map();
  const child = spawn(process.execPath, ['bench/sink.mjs'], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  children.push(child);
  await new Promise((resolve) =>
    child.on('message', (message) => {
      if (message.ready) resolve();
      else received.set(message.to, message.at);
    }),
  );
  return { received, close: () => child.kill('SIGTERM') };
}

function cannon(options) {
  return new Promise((resolve, reject) => {
    autocannon({ timeout: 10, ...options }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/**
 * An open-loop load at a steady rate: request i goes out at start + i/rate
 * whether or not earlier ones were answered (autocannon's rate limit is per
 * connection and per second, so its requests arrive in bursts at the start of
 * each second and stop when answers are slow). Latency counts from the moment
 * a request was due, so a generator falling behind shows up in the figures
 * instead of hiding them. Answers the same shape as `summary`.
 */
async function steadyLoad({ url, rate, count, request }) {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const latencies = [];
  let non2xx = 0;
  let errors = 0;
  const fire = (i, due) =>
    new Promise((resolve) => {
      const { headers, body } = request(i);
      const req = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          agent,
          headers,
          timeout: 10_000,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - due);
            if (res.statusCode < 200 || res.statusCode > 299) non2xx += 1;
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors += 1;
        resolve();
      });
      req.end(body);
    });
  const pending = [];
  let lastSentAt = 0;
  const start = performance.now();
  for (let sent = 0; sent < count;) {
    const now = performance.now();
    for (let due = start + (sent * 1000) / rate; sent < count && due <= now; due = start + (sent * 1000) / rate) {
      pending.push(fire(sent, due));
      sent += 1;
    }
    if (sent === count) lastSentAt = Date.now();
    await sleep(1);
  }
  await Promise.all(pending);
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q) => round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0, 1);
  return {
    rps: round(latencies.length / seconds, 0),
    p50: at(0.5),
    p99: at(0.99),
    non2xx,
    errors,
    total: count,
    lastSentAt,
  };
}

const summary = (result) => ({
  rps: round(result.requests.average, 0),
  p50: result.latency.p50,
  p99: result.latency.p99,
  non2xx: result.non2xx,
  errors: result.errors, // autocannon counts timeouts among the errors
  total: result.requests.total,
});

function medianOf(runs) {
  const pick = (key) => median(runs.map((run) => run[key]));
  const middle = [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)];
  return {
    rps: pick('rps'),
    cpu: middle.cpu,
    p50: pick('p50'),
    p99: pick('p99'),
    non2xx: Math.max(...runs.map((r) => r.non2xx)),
    errors: Math.max(...runs.map((r) => r.errors)),
    runs,
  };
}

function peakRss(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return round(Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) / 1024, 0);
}

/**
 * Each process's peak RSS since the previous call: VmHWM, then reset by writing 5
 * to /proc/<pid>/clear_refs (Linux; the bench's own children), so the next phase
 * reads its own peak.
 */
function phasePeakRss(children) {
  const peaks = {};
  for (const [name, child] of Object.entries(children)) {
    peaks[name] = peakRss(child.pid);
    try {
      writeFileSync(`/proc/${child.pid}/clear_refs`, '5');
    } catch {
      // not resettable here: the next phase reads the peak so far
    }
  }
  return peaks;
}

async function main() {
  const { db, tokens, publicPem } = await prepareDatabase();
  const redis = new Redis(REDIS_URL);

  const [apiPort, ceilingPort, signupCeilingPort, sinkPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const sink = await startSink(sinkPort);
  // BENCH_PGBOUNCER=1: the API and the worker reach PostgreSQL through PgBouncer in transaction mode
  // (DATABASE_POOLER=transaction; 10 server connections for their 20), the ceiling directly as always.
  const bouncer = process.env.BENCH_PGBOUNCER === '1' ? await startPgBouncer({ poolSize: 10 }) : null;
  const pooled = bouncer
    ? { DATABASE_URL: bouncer.through(DATABASE_URL), DATABASE_POOLER: 'transaction', DATABASE_DIRECT_URL: DATABASE_URL }
    : {};
  if (bouncer) say(`through PgBouncer on port ${bouncer.port}`);
  // BENCH_BOT_CHECK=1: every sign-up needs a bot check (BOT_CHECK_WHEN=always) and carries a token, checked
  // with siteverify on the sink's port (a Turnstile stand-in that passes each at once).
  const botCheck = BOT_CHECK
    ? {
        BOT_CHECK_PROVIDER: 'turnstile',
        BOT_CHECK_SITE_KEY: 'bench-site-key',
        BOT_CHECK_SECRET: 'bench-secret-key',
        BOT_CHECK_VERIFY_URL: `http://127.0.0.1:${sinkPort}/siteverify`,
      }
    : {};
  if (BOT_CHECK) say('with the bot check on every sign-up');
  // BENCH_TRACES=1: the API and the worker trace every request (OTLP/HTTP, protobuf, to the sink; sampler
  // OTEL_TRACES_SAMPLER as given, every trace by default).
  const traces = TRACES ? { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}` } : {};
  if (TRACES) say('with traces exported to the sink');
  const env = appEnv({
    PORT: String(apiPort),
    SMS_WEBHOOK_URL: `http://127.0.0.1:${sinkPort}/sms`,
    ...pooled,
    ...botCheck,
    ...traces,
  });
  // BENCH_CPU_PROF=<dir>: the API, the worker and the ceilings write V8 CPU profiles there when they stop (node --cpu-prof).
  const profiled = (name) =>
    process.env.BENCH_CPU_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`, `--cpu-prof-name=${name}.cpuprofile`]
      : [];
  // The API and the worker start as every launcher starts them: with the heap settings of
  // scripts/node-flags unless NODE_OPTIONS is set.
  const startApp = (label, appEnvironment) => ({
    api: startProcess(
      `api${label}`,
      [...profiled(`api${label}`), 'dist/apps/api/apps/api/src/main.js'],
      withNodeFlags(appEnvironment),
    ),
    worker: startProcess(
      `worker${label}`,
      [...profiled(`worker${label}`), 'dist/apps/worker/apps/worker/src/main.js'],
      withNodeFlags(appEnvironment),
    ),
  });
  const { api, worker } = startApp('', env);
  const ceiling = startProcess('ceiling', [...profiled('ceiling'), 'bench/ceiling.mjs'], {
    ...env,
    DATABASE_URL,
    PORT: String(ceilingPort),
    CEILING_PUBLIC_KEY: publicPem,
  });
  const signupCeiling = startProcess('ceiling-signup', [...profiled('ceiling-signup'), 'bench/ceiling-signup.mjs'], {
    ...env,
    DATABASE_URL,
    PORT: String(signupCeilingPort),
  });
  const API = `http://127.0.0.1:${apiPort}`;
  const CEILING = `http://127.0.0.1:${ceilingPort}`;
  const SIGNUP_CEILING = `http://127.0.0.1:${signupCeilingPort}`;
  await waitReady(`${API}/health/ready`);
  // Both must serve a real profile before anything is measured.
  const probe = { authorization: `Bearer ${tokens[INFLUENCER]}` };
  await waitReady(`${API}/api/v1/users/me/`, probe, 'the API');
  await waitReady(`${CEILING}/api/v1/users/me/`, probe, 'the ceiling');
  // Its first answer (an empty body: 400) says it listens; its Redis and pool connect on the first requests.
  for (let i = 0; i < 200 && (await fetch(SIGNUP_CEILING, { method: 'POST' }).catch(() => null))?.status !== 400; i++)
    await sleep(100);
  await sleep(1000);
  const results = {};
  // Peak RSS per phase (the start's own first): phasePeakRss() after each.
  results.phaseRss = { start: phasePeakRss({ api, worker }) };

  const processes = { api, worker, ceiling, signupCeiling };
  /** Runs `work` and answers its result with the CPU each process spent per 1,000 of its requests. */
  const metered = async (work, requestsOf) => {
    const before = cpuNow(processes);
    const result = await work();
    return { ...result, cpu: cpuPerThousand(before, cpuNow(processes), requestsOf(result)) };
  };
  const cannonMetered = (options) =>
    metered(
      async () => summary(await cannon(options)),
      (r) => r.total,
    );

  // (a) The profile of random users, 64 connections: the API and the ceiling, alternately. Of 100,000 users,
  // most tokens are seen once (each read checks a signature); then of 5,000 active users, each token read
  // many times (each read after a token's first is a cache hit), as an app reads within a token's 15 minutes.
  const randomProfile = (url, population = USERS) => ({
    url: `${url}/api/v1/users/me/`,
    connections: 64,
    duration: 10,
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          headers: { authorization: `Bearer ${tokens[1 + Math.floor(Math.random() * population)]}` },
        }),
      },
    ],
  });
  if (phase('a')) {
    say('(a) warming up');
    await cannon({ ...randomProfile(API), duration: 3 });
    await cannon({ ...randomProfile(CEILING), duration: 3 });
    const apiRuns = [];
    const ceilingRuns = [];
    for (let i = 0; i < RUNS; i++) {
      apiRuns.push(await cannonMetered(randomProfile(API)));
      ceilingRuns.push(await cannonMetered(randomProfile(CEILING)));
      say(
        `(a) run ${i + 1}: API ${apiRuns[i].rps} req/s p99 ${apiRuns[i].p99} ms, ${apiRuns[i].cpu.api} ms CPU/1k; ` +
          `ceiling ${ceilingRuns[i].rps} req/s, ${ceilingRuns[i].cpu.ceiling} ms CPU/1k`,
      );
    }
    results.profile = medianOf(apiRuns);
    results.ceiling = medianOf(ceilingRuns);
    results.profile.shareOfCeiling = round((100 * results.profile.rps) / results.ceiling.rps, 0);

    await cannon({ ...randomProfile(API, ACTIVE_USERS), duration: 3 });
    await cannon({ ...randomProfile(CEILING, ACTIVE_USERS), duration: 3 });
    const activeRuns = [];
    const activeCeilingRuns = [];
    for (let i = 0; i < RUNS; i++) {
      activeRuns.push(await cannonMetered(randomProfile(API, ACTIVE_USERS)));
      activeCeilingRuns.push(await cannonMetered(randomProfile(CEILING, ACTIVE_USERS)));
      say(
        `(a) ${ACTIVE_USERS} active users, run ${i + 1}: API ${activeRuns[i].rps} req/s, ${activeRuns[i].cpu.api} ms CPU/1k; ` +
          `ceiling ${activeCeilingRuns[i].rps} req/s, ${activeCeilingRuns[i].cpu.ceiling} ms CPU/1k`,
      );
    }
    results.profileActive = medianOf(activeRuns);
    results.ceilingActive = medianOf(activeCeilingRuns);
    results.profileActive.shareOfCeiling = round((100 * results.profileActive.rps) / results.ceilingActive.rps, 0);
  }

  // BENCH_LEDGER=1: what each layer of the API costs the read of (a), measured by leaving it out (below).
  if (LEDGER) results.ledger = await costLedger({ env, api, randomProfile });

  if (phase('a')) results.phaseRss.a = phasePeakRss({ api, worker });
  // (b) The influencer's profile (20,000 referrals), 64 connections.
  if (phase('b')) {
    const influencer = {
      url: `${API}/api/v1/users/me/`,
      connections: 64,
      duration: 10,
      headers: { authorization: `Bearer ${tokens[INFLUENCER]}` },
    };
    const influencerRuns = [];
    for (let i = 0; i < RUNS; i++) influencerRuns.push(await cannonMetered(influencer));
    results.influencer = medianOf(influencerRuns);
    say(`(b) influencer: ${results.influencer.rps} req/s p99 ${results.influencer.p99} ms`);
  }

  if (phase('b')) results.phaseRss.b = phasePeakRss({ api, worker });
  // (c) The 1st and the 500th page of the influencer's referrals (20 a page).
  if (phase('c')) {
    let cursor = null;
    let page500 = null;
    for (let page = 1; page <= 500; page++) {
      const url = `${API}/api/v1/users/me/referrals/?limit=20${cursor ? `&cursor=${cursor}` : ''}`;
      if (page === 500) page500 = url;
      cursor = (await (await fetch(url, { headers: { authorization: `Bearer ${tokens[INFLUENCER]}` } })).json())
        .next_cursor;
    }
    const pageRuns = { first: [], last: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const [which, url] of [
        ['first', `${API}/api/v1/users/me/referrals/?limit=20`],
        ['last', page500],
      ]) {
        pageRuns[which].push(
          await cannonMetered({
            url,
            connections: 16,
            duration: 5,
            headers: { authorization: `Bearer ${tokens[INFLUENCER]}` },
          }),
        );
      }
    }
    results.page1 = medianOf(pageRuns.first);
    results.page500 = medianOf(pageRuns.last);
    say(
      `(c) page 1 p50 ${results.page1.p50} ms p99 ${results.page1.p99}; page 500 p50 ${results.page500.p50} ms p99 ${results.page500.p99}`,
    );
  }

  if (phase('c')) results.phaseRss.c = phasePeakRss({ api, worker });
  // (d) Signups from distinct clients and numbers: at a steady 500/s, then the highest rate held,
  // by the API and by the signup ceiling alternately. CPU per signup counts every process that
  // works for it: the API (or the ceiling), the worker delivering its codes, PostgreSQL and Redis.
  let signups = 0;
  const signupLoad = (base, rate, seconds, record = null) =>
    metered(
      () =>
        steadyLoad({
          url: `${base}/api/v1/auth/signup/`,
          rate,
          count: Math.round(rate * seconds),
          request: () => {
            signups += 1;
            const phone = `+7980${String(signups).padStart(7, '0')}`;
            record?.push(phone);
            return {
              headers: {
                'content-type': 'application/json',
                'x-forwarded-for': `10.${(signups >> 16) & 255}.${(signups >> 8) & 255}.${signups & 255}`,
              },
              body: JSON.stringify(
                BOT_CHECK ? { phone_number: phone, bot_check_token: `bench-${signups}` } : { phone_number: phone },
              ),
            };
          },
        }),
      (r) => r.total,
    );
  const allProcesses = (front, cpu) =>
    round(
      ['worker', 'postgres', 'redis', 'pgbouncer'].reduce((total, name) => total + (cpu[name] ?? 0), cpu[front]),
      0,
    );
  // A rate is held when nearly every request of it went out and came back 2xx, within 100 ms.
  const held = (rate, result) =>
    result.rps >= rate * 0.97 && result.non2xx === 0 && result.errors === 0 && result.p99 < 100;
  /** Up the ladder until a rate is not held twice running; answers the highest held (0: not even the first). */
  const highestHeld = async (base, label, ladder = LADDER) => {
    let best = 0;
    for (const rate of ladder) {
      let ok = false;
      for (let attempt = 0; attempt < 2 && !ok; attempt++) {
        const result = await signupLoad(base, rate, 5);
        ok = held(rate, result);
        say(
          `(d) ${label} ${rate}/s: got ${result.rps}/s, p99 ${result.p99} ms, ${result.non2xx} non-2xx: ${ok ? 'held' : 'not held'}`,
        );
        await sleep(2000);
      }
      if (!ok) break;
      best = rate;
    }
    return best;
  };
  const sides = [
    ['API', API, 'api'],
    ['ceiling', SIGNUP_CEILING, 'signupCeiling'],
  ];
  if (phase('d')) {
    for (const [, base] of sides) await signupLoad(base, 250, 3); // warm-up: pools, prepared statements, JIT
    await sleep(2000);
    const runs = { API: [], ceiling: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const [label, base, front] of sides) {
        const result = await signupLoad(base, 500, 8);
        runs[label].push(result);
        say(
          `(d) ${label} at 500/s: p99 ${result.p99} ms, CPU/1k ${cpuText(result.cpu)}; all ${allProcesses(front, result.cpu)}`,
        );
        await sleep(2000);
      }
    }
    results.signup500 = medianOf(runs.API);
    results.signupCeiling500 = medianOf(runs.ceiling);
    results.signup500.allProcesses = allProcesses('api', results.signup500.cpu);
    results.signupCeiling500.allProcesses = allProcesses('signupCeiling', results.signupCeiling500.cpu);
    results.signupSustained = await highestHeld(API, 'API');
    results.signupCeilingSustained = await highestHeld(SIGNUP_CEILING, 'ceiling');
    results.signupShareOfCeiling = round(
      (100 * results.signupSustained) / Math.max(1, results.signupCeilingSustained),
      0,
    );
  }

  if (phase('d')) results.phaseRss.d = phasePeakRss({ api, worker });
  // (e) 10,000 code requests over 10 s (1,000 a second), through the webhook to the sink,
  // which answers each after 1-2 s: how long after the last request the last code arrives.
  const drained = async () => {
    for (let wait = 0; wait < 1200; wait++) {
      const { rows } = await db.query(
        `SELECT count(*)::int AS left FROM code_requests WHERE status = 'pending' AND delivered_at IS NULL AND expires_at > now()`,
      );
      if (rows[0].left === 0) return;
      await sleep(100);
    }
    throw new Error('(e) earlier codes were still undelivered after 120 s: a burst now would queue behind them');
  };
  const BURST = { rate: 1000, seconds: 10 };
  const burstSize = BURST.rate * BURST.seconds;
  if (phase('e')) {
    const burstTimes = [];
    for (let i = 0; i < RUNS; i++) {
      await drained(); // earlier deliveries out of the way
      await sleep(1000);
      const phones = [];
      const result = await signupLoad(API, BURST.rate, BURST.seconds, phones);
      // The codes of the accepted requests: a request refused (non-2xx) sent none, and the row says how many.
      const accepted = result.total - result.non2xx;
      let last = null;
      let arrived = [];
      for (let wait = 0; wait < 600 && last === null; wait++) {
        arrived = phones.map((phone) => sink.received.get(phone)).filter(Boolean);
        if (arrived.length >= accepted) last = Math.max(...arrived);
        else await sleep(50);
      }
      if (last === null) {
        throw new Error(
          `(e) ${accepted - arrived.length} of the ${accepted} codes accepted never reached the sink (${result.non2xx} non-2xx answers)`,
        );
      }
      const seconds = round((last - result.lastSentAt) / 1000, 2);
      burstTimes.push({ seconds, accepted: result.total - result.non2xx, p99: result.p99, cpu: result.cpu });
      say(
        `(e) run ${i + 1}: ${burstSize} requested over ${BURST.seconds} s, ${result.total - result.non2xx} accepted (p99 ${result.p99} ms), ` +
          `the last at the sink ${seconds} s after the last request; CPU/1k ${cpuText(result.cpu)}`,
      );
    }
    results.burst = {
      seconds: median(burstTimes.map((run) => run.seconds)),
      p99: median(burstTimes.map((run) => run.p99)),
      non2xx: Math.max(...burstTimes.map((run) => burstSize - run.accepted)),
      errors: 0,
      cpu: burstTimes[Math.floor(burstTimes.length / 2)].cpu,
      runs: burstTimes,
    };
  }

  if (phase('e')) results.phaseRss.e = phasePeakRss({ api, worker });
  // (f) Activations (PATCH) by distinct users, each once, of random owners' codes.
  if (phase('f')) {
    const activationRuns = [];
    const perRun = Math.floor((ACTIVATION_POOL[1] - ACTIVATION_POOL[0] + 1) / RUNS);
    for (let i = 0; i < RUNS; i++) {
      let next = ACTIVATION_POOL[0] + i * perRun;
      const result = await cannonMetered({
        url: `${API}/api/v1/users/me/`,
        method: 'PATCH',
        connections: 64,
        amount: perRun,
        requests: [
          {
            setupRequest: (req) => {
              const owner = OWNERS[0] + Math.floor(Math.random() * (OWNERS[1] - OWNERS[0] + 1));
              return {
                ...req,
                headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[next++]}` },
                body: JSON.stringify({ used_referral_code: codeOf(owner) }),
              };
            },
          },
        ],
      });
      activationRuns.push(result);
      say(`(f) run ${i + 1}: ${result.rps} activations/s, p99 ${result.p99} ms, ${result.non2xx} non-2xx`);
    }
    results.activation = medianOf(activationRuns);
  }

  if (phase('f')) results.phaseRss.f = phasePeakRss({ api, worker });
  // (s) The docs' largest answers, unauthenticated: Swagger UI's and ReDoc's bundles, gzip asked, 8 connections.
  if (phase('s')) {
    const bundle = (path) => ({
      url: `${API}${path}`,
      connections: 8,
      duration: 5,
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    const swaggerRuns = [];
    const redocRuns = [];
    for (let i = 0; i < RUNS; i++) {
      swaggerRuns.push(await cannonMetered(bundle('/swagger/swagger-ui-bundle.js')));
      redocRuns.push(await cannonMetered(bundle('/redoc/redoc.standalone.js')));
    }
    results.swaggerBundle = medianOf(swaggerRuns);
    results.redocBundle = medianOf(redocRuns);
    say(`(s) Swagger UI bundle: ${results.swaggerBundle.rps} req/s, ${results.swaggerBundle.cpu.api} ms API CPU/1k`);
    results.phaseRss.s = phasePeakRss({ api, worker });
  }
  // (g) Peak resident memory, with the default settings, over every phase above.
  const peaks = Object.values(results.phaseRss);
  results.rss = {
    api: Math.max(peakRss(api.pid), ...peaks.map((peak) => peak.api)),
    worker: Math.max(peakRss(worker.pid), ...peaks.map((peak) => peak.worker)),
  };
  for (const child of [api, worker, ceiling, signupCeiling]) child.kill('SIGTERM');

  // (p) Signups on the PostgreSQL queue backend (no REDIS_URL): the queue, the per-IP counters
  // and the SMS budgets all in PostgreSQL, a deployment with nothing but a database.
  if (phase('p')) {
    await Promise.all([api, worker].map((child) => new Promise((done) => child.once('exit', done))));
    // BENCH_BUDGET_HOUR=0: the budgets start empty, as on a deployment's first hour.
    if (process.env.BENCH_BUDGET_HOUR !== '0') await hourOfBudgetHits(db, PG_QUEUE_RATE);
    const withoutRedis = { ...env };
    delete withoutRedis.REDIS_URL;
    const onPostgres = startApp('-postgres-queue', withoutRedis);
    await waitReady(`${API}/health/ready`);
    Object.assign(processes, onPostgres);
    delete processes.ceiling;
    delete processes.signupCeiling;
    // Measured at a rate this backend holds (its CPU per signup, not a backlog's), then its ladder.
    await signupLoad(API, PG_QUEUE_RATE, 3);
    await sleep(2000);
    const pgRuns = [];
    for (let i = 0; i < RUNS; i++) {
      const result = await signupLoad(API, PG_QUEUE_RATE, 8);
      pgRuns.push(result);
      say(
        `(p) at ${PG_QUEUE_RATE}/s: p99 ${result.p99} ms, CPU/1k ${cpuText(result.cpu)}; all ${allProcesses('api', result.cpu)}`,
      );
      await sleep(2000);
    }
    results.postgresQueue = medianOf(pgRuns);
    // All processes of the same run as the row's CPU, as (d) has it.
    results.postgresQueue.allProcesses = allProcesses('api', results.postgresQueue.cpu);
    results.postgresQueueSustained = await highestHeld(API, 'API, PostgreSQL queue', PG_QUEUE_LADDER);
    results.postgresQueue.rss = { api: peakRss(onPostgres.api.pid), worker: peakRss(onPostgres.worker.pid) };
    for (const child of [onPostgres.api, onPostgres.worker]) child.kill('SIGTERM');
  }

  sink.close();
  await sleep(500);
  await bouncer?.stop();
  await db.end();
  // Keys hash-tagged whole (`{prefix:…}`: per-IP counters, SMS budgets) start with the brace.
  for (const pattern of [`${PREFIX}*`, `{${PREFIX}*`])
    for (const key of await redis.keys(pattern)) await redis.del(key);
  redis.disconnect();
  // 100,000 seeded users are of no use once measured; BENCH_KEEP_DATABASE=1 keeps them to look at.
  if (process.env.BENCH_KEEP_DATABASE !== '1') {
    await sleep(500); // the API and worker close their connections
    await resetDatabase({ create: false });
  }

  const machine = `${cpus().length} × ${cpus()[0].model.trim()}, ${round(totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}`;
  const report = {
    at: new Date().toISOString(),
    machine,
    database: bouncer ? 'through PgBouncer 1.18, transaction mode' : 'direct',
    minutes: round((Date.now() - started) / 60_000, 1),
    results,
  };
  // A figure made of failed requests is no figure: such a run is reported, not recorded.
  const failed = Object.entries(results).filter(([, r]) => r.non2xx > 0 || r.errors > 0);
  console.log(table(report));
  if (failed.length > 0) {
    for (const [name, r] of failed) say(`${name}: ${r.non2xx} non-2xx answers, ${r.errors} errors or timeouts`);
    throw new Error('some requests failed: results not written');
  }
  // A run of some phases only (BENCH_PHASES) is kept aside, and is never the latest.
  const partial = PHASES.size < ALL_PHASES.split(',').length ? 'partial-' : '';
  const file = `bench/results/${partial}${report.at.replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify(report, null, 2));
  if (!partial) writeFileSync('bench/results/latest.json', JSON.stringify(report, null, 2));
  say(`written ${file}`);
}

/**
 * The cost ledger of (a)'s read: for each layer (and for all but the token check at once),
 * a copy of dist/ whose cost-ledger.js leaves it out, its API started beside
 * the full one on the same database, and both read in turn (3 runs of 5 s
 * each, after a warm-up). A layer's cost is the full API's CPU per 1,000 reads
 * less the copy's, in the same minute.
 */
async function costLedger({ env, api, randomProfile }) {
  const rows = {};
  const read = async (child, url, duration) => {
    const before = cpuNow({ api: child });
    const result = summary(await cannon({ ...randomProfile(url), duration }));
    return { ...result, cpu: cpuPerThousand(before, cpuNow({ api: child }), result.total) };
  };
  const full = `http://127.0.0.1:${env.PORT}`;
  for (const { name, layers } of LEDGER_ROWS) {
    const dist = `.bench-ledger/${name}/dist`;
    rmSync('.bench-ledger', { recursive: true, force: true });
    cpSync('dist', dist, { recursive: true });
    const file = `${dist}/apps/api/apps/api/src/common/cost-ledger.js`;
    const source = readFileSync(file, 'utf8');
    if (!source.includes('new Set([])')) throw new Error(`${file}: no empty set of layers to write into`);
    writeFileSync(file, source.replace('new Set([])', `new Set(${JSON.stringify(layers)})`));
    const port = await freePort();
    const without = startProcess(
      `api-without-${name}`,
      [`${dist}/apps/api/apps/api/src/main.js`],
      withNodeFlags({ ...env, PORT: String(port), METRICS_PORT: '0' }),
    );
    const url = `http://127.0.0.1:${port}`;
    await waitReady(`${url}/health/ready`);
    await read(api, full, 2);
    await read(without, url, 2);
    const runs = { full: [], without: [] };
    for (let i = 0; i < RUNS; i++) {
      runs.full.push(await read(api, full, 5));
      runs.without.push(await read(without, url, 5));
    }
    without.kill('SIGTERM');
    await new Promise((done) => without.once('exit', done));
    rmSync('.bench-ledger', { recursive: true, force: true });
    const [withIt, withoutIt] = [medianOf(runs.full), medianOf(runs.without)];
    // A figure made of failed reads is no figure (a layer left out that broke the route shows here).
    for (const [which, run] of [
      ['with', withIt],
      ['without', withoutIt],
    ])
      if (run.non2xx > 0 || run.errors > 0)
        throw new Error(`(ledger) ${which} ${name}: ${run.non2xx} non-2xx answers, ${run.errors} errors or timeouts`);
    rows[name] = {
      full: { rps: withIt.rps, cpu: withIt.cpu.api },
      without: { rps: withoutIt.rps, cpu: withoutIt.cpu.api },
      saved: round(withIt.cpu.api - withoutIt.cpu.api, 0),
    };
    say(
      `(ledger) without ${name}: ${withoutIt.cpu.api} ms CPU/1k, ${withoutIt.rps} req/s; with it ${withIt.cpu.api}, ${withIt.rps} req/s`,
    );
  }
  return rows;
}

/** CPU milliseconds per 1,000 requests, process by process (those that did any work). */
function cpuText(cpu, names = ['api', 'signupCeiling', 'worker', 'postgres', 'redis', 'pgbouncer']) {
  if (!cpu) return '';
  return names
    .filter((name) => cpu[name] > 0)
    .map((name) => `${name} ${cpu[name]}`)
    .join(', ');
}

/** The signup rates (d) tries, upwards; the answer is the highest held. */
const LADDER = [250, 500, 750, 1000, 1250, 1500, 2000, 2500, 3000, 4000];
/** A held rate as the table says it: none held is "under" the ladder's first rung. */
const heldText = (rate, ladder = LADDER) => (rate > 0 ? `${rate}/s` : `under ${ladder[0]}/s`);
/** The PostgreSQL queue backend holds a few hundred signups a second on 2 cores: its own ladder, and its CPU at a rate it holds. */
const PG_QUEUE_LADDER = [50, 100, 150, 200, 250, 300, 400, 500, 750];
const PG_QUEUE_RATE = 100;

/** A target of issue 17 beside its figure: met or not. */
const target = (met, text) => `${met ? 'met' : 'NOT met'}: ${text}`;

function table({ machine, minutes, database = 'direct', results: r }) {
  const ratio = (a, b) => round(a / Math.max(1, b), 2);
  const rows = [
    r.profile && [
      '(a) GET /users/me, random users, 64 conns',
      `${r.profile.rps} req/s, p50 ${r.profile.p50} ms, p99 ${r.profile.p99} ms; ` +
        `${r.profile.shareOfCeiling}% of the ceiling (${r.ceiling.rps} req/s, p99 ${r.ceiling.p99} ms)`,
      `${cpuText(r.profile.cpu)}; ceiling: ${cpuText(r.ceiling.cpu, ['ceiling', 'postgres'])}; ` +
        `API / ceiling ${ratio(r.profile.cpu.api, r.ceiling.cpu.ceiling)}`,
      target(
        r.profile.shareOfCeiling >= 75 && ratio(r.profile.cpu.api, r.ceiling.cpu.ceiling) <= 1.3,
        '>= 75% of the ceiling, API CPU <= 1.3x its',
      ),
    ],
    r.profileActive && [
      `(a) the same, ${ACTIVE_USERS} active users (tokens read again and again)`,
      `${r.profileActive.rps} req/s, p50 ${r.profileActive.p50} ms, p99 ${r.profileActive.p99} ms; ` +
        `${r.profileActive.shareOfCeiling}% of the ceiling (${r.ceilingActive.rps} req/s)`,
      `${cpuText(r.profileActive.cpu)}; ceiling: ${cpuText(r.ceilingActive.cpu, ['ceiling', 'postgres'])}; ` +
        `API / ceiling ${ratio(r.profileActive.cpu.api, r.ceilingActive.cpu.ceiling)}`,
      '',
    ],
    r.influencer && [
      '(b) GET /users/me, the influencer (20,000 referrals)',
      `${r.influencer.rps} req/s, p50 ${r.influencer.p50} ms, p99 ${r.influencer.p99} ms`,
      cpuText(r.influencer.cpu),
      '',
    ],
    r.page1 && [
      '(c) referrals page 1 / page 500 (20 a page)',
      `p50 ${r.page1.p50} / ${r.page500.p50} ms, p99 ${r.page1.p99} / ${r.page500.p99} ms, ${r.page1.rps} / ${r.page500.rps} req/s`,
      cpuText(r.page500.cpu),
      '',
    ],
    r.signup500 && [
      '(d) POST /auth/signup: highest rate held (>= 97% answered, all 2xx, p99 < 100 ms); at 500/s',
      `API ${heldText(r.signupSustained)}, ${r.signupShareOfCeiling}% of the ceiling's ${heldText(r.signupCeilingSustained)}; ` +
        `at 500/s p99 API ${r.signup500.p99} ms, ceiling ${r.signupCeiling500.p99} ms`,
      `API: ${cpuText(r.signup500.cpu)}, all ${r.signup500.allProcesses}; ` +
        `ceiling: ${cpuText(r.signupCeiling500.cpu, ['signupCeiling', 'worker', 'postgres', 'redis', 'pgbouncer'])}, all ${r.signupCeiling500.allProcesses}`,
      target(r.signupShareOfCeiling >= 60, ">= 60% of the ceiling's held rate"),
    ],
    r.burst && [
      `(e) 10,000 codes requested over 10 s, at the sink (answers after 1-2 s)`,
      `last code ${r.burst.seconds} s after the last request; requests p99 ${r.burst.p99} ms` +
        (r.burst.non2xx > 0 ? `; ${r.burst.non2xx} of 10,000 refused in a run` : ''),
      cpuText(r.burst.cpu),
      target(r.burst.seconds <= 3 && r.burst.non2xx === 0, 'within 3 s of the last request, every request accepted'),
    ],
    r.activation && [
      '(f) PATCH activation, distinct users',
      `${r.activation.rps} req/s, p50 ${r.activation.p50} ms, p99 ${r.activation.p99} ms`,
      cpuText(r.activation.cpu),
      '',
    ],
    r.swaggerBundle && [
      '(s) GET the Swagger UI / ReDoc bundle, gzip asked, 8 connections',
      `${r.swaggerBundle.rps} / ${r.redocBundle.rps} req/s, p99 ${r.swaggerBundle.p99} / ${r.redocBundle.p99} ms`,
      `API CPU ${r.swaggerBundle.cpu.api} / ${r.redocBundle.cpu.api} ms per 1,000`,
      '',
    ],
    [
      '(g) peak RSS over the bench, default settings (per phase: start, a-f, s)',
      `API ${r.rss.api} MB, worker ${r.rss.worker} MB; per phase API ${Object.entries(r.phaseRss)
        .map(([name, peak]) => `${name} ${peak.api}`)
        .join(', ')}; worker ${Object.entries(r.phaseRss)
        .map(([name, peak]) => `${name} ${peak.worker}`)
        .join(', ')}`,
      '',
      target(r.rss.api < 150 && r.rss.worker < 150, 'each under 150 MB'),
    ],
    r.postgresQueue && [
      `(p) POST /auth/signup on the PostgreSQL queue backend (no Redis): highest rate held; at ${PG_QUEUE_RATE}/s`,
      `${heldText(r.postgresQueueSustained, PG_QUEUE_LADDER)}; at ${PG_QUEUE_RATE}/s p99 ${r.postgresQueue.p99} ms; peak RSS API ${r.postgresQueue.rss.api} MB, worker ${r.postgresQueue.rss.worker} MB`,
      `${cpuText(r.postgresQueue.cpu)}, all ${r.postgresQueue.allProcesses}`,
      '',
    ],
  ].filter(Boolean);
  return [
    `Machine: ${machine}; PostgreSQL ${database}; bench took ${minutes} min; medians of ${RUNS} runs; CPU in ms per 1,000 requests.`,
    '',
    '| measure | result | CPU per 1,000 requests | target |',
    '| --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
