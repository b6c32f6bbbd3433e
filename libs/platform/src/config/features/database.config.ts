import { IsOptional, IsIn, Matches } from 'class-validator';
import { runningEmbeddedDatabaseUrl } from '../embedded-database.js';
import { type FeatureContext, GROUPS, type HelpOf, POSITIVE } from './shared.js';

/** PostgreSQL: where it is, and how the processes connect. */
export class DatabaseSettings {
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @Matches(POSITIVE)
  DATABASE_POOL_SIZE = '10';

  /** `transaction` when DATABASE_URL goes through PgBouncer (or a pooler like it) in transaction mode. */
  @IsOptional()
  @IsIn(['transaction'], { message: 'DATABASE_POOLER must be transaction (or unset: a direct connection)' })
  DATABASE_POOLER?: string;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_DIRECT_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_DIRECT_URL?: string;
}

const group = GROUPS.database;
export const DATABASE_HELP: HelpOf<DatabaseSettings> = {
  DATABASE_URL: {
    group,
    meaning: 'PostgreSQL (postgres:// or postgresql://)',
    default: 'the embedded PostgreSQL of DATA_DIR that `make run` starts',
  },
  DATABASE_POOL_SIZE: { group, meaning: 'connections per process' },
  DATABASE_POOLER: { group, meaning: '`transaction` when DATABASE_URL is PgBouncer (or alike) in transaction mode' },
  DATABASE_DIRECT_URL: {
    group,
    meaning: 'a direct connection for migrations and the queue on PostgreSQL (required with DATABASE_POOLER)',
    default: 'DATABASE_URL',
  },
};

export interface DatabaseConfig {
  url: string;
  /** For migrations and anything that needs a session (the queue on PostgreSQL): DATABASE_DIRECT_URL, else `url`. */
  directUrl: string;
  /** `transaction`: `url` is a pooler in transaction mode, so no named prepared statements and no session state. */
  pooler: 'transaction' | null;
  poolSize: number;
  migrateAtStart: boolean;
}

/** The variables a migration reads: a migration job is given the database and nothing else. */
export const DATABASE_VARIABLES: ReadonlySet<string> = new Set(['NODE_ENV', 'DATA_DIR', ...Object.keys(DATABASE_HELP)]);

export function databaseConfig(
  v: DatabaseSettings,
  { dataDir, isProduction, problem }: FeatureContext,
): DatabaseConfig {
  // Without DATABASE_URL: the embedded PostgreSQL that `make run` keeps in DATA_DIR.
  const url = v.DATABASE_URL ?? runningEmbeddedDatabaseUrl(dataDir);
  if (!url) {
    problem(
      'DATABASE_URL',
      'is unset and no embedded PostgreSQL is running in DATA_DIR: `make run` starts one, or set DATABASE_URL',
    );
  }
  if (v.DATABASE_POOLER === 'transaction' && !v.DATABASE_DIRECT_URL) {
    problem(
      'DATABASE_DIRECT_URL',
      'is required with DATABASE_POOLER=transaction: migrations and the queue on PostgreSQL need a session',
    );
  }
  return {
    url: url ?? '',
    directUrl: v.DATABASE_DIRECT_URL ?? url ?? '',
    pooler: v.DATABASE_POOLER === 'transaction' ? 'transaction' : null,
    poolSize: Number(v.DATABASE_POOL_SIZE),
    migrateAtStart: !isProduction,
  };
}
