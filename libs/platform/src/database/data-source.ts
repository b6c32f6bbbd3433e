import { DataSource, type DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { ENTITIES } from '../entities/index.js';
import { MIGRATIONS } from '../migrations/index.js';
import { NAMED_STATEMENTS } from './prepared.js';

/**
 * One definition of the PostgreSQL connection, used by the API, the worker and
 * `npm run migrate`. `direct`: DATABASE_DIRECT_URL, for what needs a session
 * (migrations under their advisory lock).
 *
 * Through a transaction-mode pooler (DATABASE_POOLER=transaction) a client's
 * statements may run on any server connection, and PgBouncer 1.18 refuses
 * startup parameters it does not know: so no named prepared statements
 * (`runPrepared` sends them unnamed) and no `statement_timeout` at connect
 * (set it on the role instead: `ALTER ROLE … SET statement_timeout = '15s'`;
 * the client still gives up on a query after 15 s).
 */
export function dataSourceOptions(
  config: Pick<AppConfig, 'database'>,
  applicationName: string,
  { direct = false }: { direct?: boolean } = {},
): DataSourceOptions {
  const pooled = config.database.pooler === 'transaction' && !direct;
  return {
    type: 'postgres',
    url: direct ? config.database.directUrl : config.database.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    logging: false,
    applicationName,
    extra: {
      max: config.database.poolSize,
      connectionTimeoutMillis: 5000,
      // A query that hangs is worse than one that fails: fail it, and let the caller retry.
      ...(pooled ? { query_timeout: 15_000 } : { statement_timeout: 15_000 }),
      // Read by runPrepared (pg ignores it).
      [NAMED_STATEMENTS]: !pooled,
    },
  };
}

/** Any fixed number, so concurrent starts of the API and the worker migrate one at a time. */
const MIGRATION_LOCK = 724_311_905;

/** Applies pending migrations under a PostgreSQL advisory lock; returns their names. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.release();
  }
}

/**
 * Creates the database named in the URL when it does not exist yet, so a first
 * start on a fresh PostgreSQL needs no manual step. Used outside production only.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) return;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const pg = await import('pg');
  const client = new pg.default.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((error: { code?: string }) => {
        // Another process (the worker starting beside the API) created it between
        // our check and our create: 42P04 when its create had committed, 23505 on
        // pg_database's unique index when both creates ran at the same moment.
        if (error.code !== '42P04' && error.code !== '23505') throw error;
      });
    }
  } finally {
    await client.end();
  }
}

/**
 * Readies PostgreSQL before a process starts serving: outside production it
 * creates the database if needed and applies pending migrations (in production
 * `npm run migrate` does that, once, before the processes start).
 */
export async function prepareDatabase(config: AppConfig, applicationName: string): Promise<string[]> {
  if (!config.database.migrateAtStart) return [];
  await ensureDatabase(config.database.directUrl);
  const dataSource = new DataSource({
    ...dataSourceOptions(config, applicationName, { direct: true }),
    extra: { max: 2 },
  });
  await dataSource.initialize();
  try {
    return await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
