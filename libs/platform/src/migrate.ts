import './config/node-version.js';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from './config/app-config.js';
import { loadSettings } from './config/settings.js';
import { exitOnStartFailure } from './config/startup.js';
import { dataSourceOptions, ensureDatabase, runMigrations } from './database/data-source.js';

/**
 * `npm run migrate`: applies pending migrations to DATABASE_DIRECT_URL (default
 * DATABASE_URL) and exits. Reads the database's settings and nothing else.
 */
async function main(): Promise<void> {
  const config = await loadSettings(loadDatabaseConfig);
  if (!config.isProduction) await ensureDatabase(config.database.directUrl);
  const dataSource = new DataSource({
    ...dataSourceOptions(config, 'referral-migrate', { direct: true }),
    extra: { max: 2 },
  });
  await dataSource.initialize();
  try {
    const applied = await runMigrations(dataSource);
    console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'no pending migrations');
  } finally {
    await dataSource.destroy();
  }
}

main().catch(exitOnStartFailure('migrate'));
