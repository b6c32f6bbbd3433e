import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConfigError } from './config/app-config.js';
import { loadSettings } from './config/settings.js';
import { dataSourceOptions, ensureDatabase, runMigrations } from './database/data-source.js';

/** `npm run migrate`: applies pending migrations to DATABASE_DIRECT_URL (default DATABASE_URL) and exits. */
async function main(): Promise<void> {
  const config = await loadSettings();
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

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
