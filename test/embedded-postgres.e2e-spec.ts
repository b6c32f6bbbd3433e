import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
       const server = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, throwaway: true });
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

    const second = await startEmbeddedPostgres({ dataDir, throwaway: true });
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
    const server = await startEmbeddedPostgres({ dataDir, throwaway: true });
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
