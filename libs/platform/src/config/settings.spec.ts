import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './app-config.js';
import { loadSettings } from './settings.js';

describe('loadSettings', () => {
  const folder = mkdtempSync(join(tmpdir(), 'referral-settings-'));
  const saved = { ...process.env };
  afterEach(() => {
    // @nestjs/config copies the file's values into process.env, as dotenv does.
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  const envFile = (text: string) => {
    const file = join(folder, `${Math.random()}.env`);
    writeFileSync(file, text);
    return file;
  };
  const withEnvironment = (variables: Record<string, string>) =>
    Object.assign(process.env, {
      DATA_DIR: folder,
      JWT_SECRET: 'x'.repeat(40),
      DATABASE_URL: 'postgres://app@db:5432/referral',
      ...variables,
    });

  it('reads a .env file, and the environment overrides it', async () => {
    const file = envFile('PORT=4321\nLOG_LEVEL=warn\nCODES_PER_HOUR=3\n');
    withEnvironment({ ENV_FILE: file, LOG_LEVEL: 'debug' });
    const config = await loadSettings();
    expect(config.http.port).toBe(4321);
    expect(config.otp.perHour).toBe(3);
    expect(config.logLevel).toBe('debug');
  });

  it('validates what the file says like any other setting, naming the variable', async () => {
    const file = envFile('PORT=not-a-port\n');
    withEnvironment({ ENV_FILE: file });
    await expect(loadSettings()).rejects.toThrow(ConfigError);
    await expect(loadSettings()).rejects.toThrow(/PORT/);
  });

  it('does without a file', async () => {
    withEnvironment({ ENV_FILE: join(folder, 'missing.env') });
    const config = await loadSettings();
    expect(config.http.port).toBe(3000);
  });
});
