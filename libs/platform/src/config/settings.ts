import { ConfigModule } from '@nestjs/config';
import { type AppConfig, loadConfig } from './app-config.js';

/**
 * The settings of a process, as @nestjs/config reads them: the environment, and
 * a `.env` file in the folder the process starts in (ENV_FILE names another),
 * whose values the environment overrides; then validated (loadConfig: the
 * schema of environment.ts and the rules across variables). A bad setting
 * throws ConfigError, naming each variable. `load` validates a part of them
 * (loadDatabaseConfig, for migrations).
 */
export async function loadSettings(): Promise<AppConfig>;
export async function loadSettings<T>(load: (variables: Record<string, string | undefined>) => T): Promise<T>;
export async function loadSettings<T>(
  load: (variables: Record<string, string | undefined>) => T = loadConfig as never,
): Promise<T> {
  let config: T | undefined;
  await ConfigModule.forRoot({
    envFilePath: process.env.ENV_FILE ?? '.env',
    validate: (variables: Record<string, string | undefined>) => {
      config = load(variables);
      return variables;
    },
  });
  if (!config) throw new Error('@nestjs/config did not validate the settings');
  return config;
}
