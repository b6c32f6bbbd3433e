import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The URL of the embedded PostgreSQL that `make run` keeps in DATA_DIR (see
 * scripts/embedded-postgres.mjs, which writes postgres.json), or null when none
 * is running. Lets `npm run start:api` and `start:worker` without DATABASE_URL
 * join the server `make run` started.
 */
export function runningEmbeddedDatabaseUrl(dataDir: string, database = 'referral'): string | null {
  let state: { port?: number; password?: string; owner?: number };
  try {
    state = JSON.parse(readFileSync(join(dataDir, 'postgres.json'), 'utf8')) as typeof state;
  } catch {
    return null;
  }
  if (!state.port || !state.password || !state.owner || !isAlive(state.owner)) return null;
  return `postgres://postgres:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/${database}`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
