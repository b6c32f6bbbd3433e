import { readFileSync } from 'node:fs';
import { loadConfig } from './app-config.js';
import { SETTING_NAMES } from './environment.js';
import { renderConfigurationReference, renderEnvExample } from './settings-reference.js';

describe('the generated settings reference', () => {
  it.each([
    ['docs/configuration.md', renderConfigurationReference],
    ['.env.example', renderEnvExample],
  ])('%s is what the schema renders (`npm run settings:docs` rewrites it)', (file, render) => {
    expect(readFileSync(file, 'utf8')).toBe(render());
  });

  it('names every setting once in each file', () => {
    const reference = readFileSync('docs/configuration.md', 'utf8');
    const example = readFileSync('.env.example', 'utf8');
    for (const name of SETTING_NAMES) {
      expect(reference.match(new RegExp(`\\| \`${name}\` \\|`, 'g'))).toHaveLength(1);
      expect(example.match(new RegExp(`^#${name}=`, 'gm'))).toHaveLength(1);
    }
  });

  it('.env.example, uncommented whole, is a valid configuration that changes no default', () => {
    const variables: Record<string, string> = { DATABASE_URL: 'postgres://app@db:5432/referral', DATA_DIR: '/tmp' };
    for (const line of readFileSync('.env.example', 'utf8').split('\n')) {
      const match = /^#([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
      if (match) variables[match[1]] ??= match[2].startsWith('"') ? (JSON.parse(match[2]) as string) : match[2];
    }
    const fromFile = loadConfig({ ...variables, JWT_SECRET: 'x'.repeat(40) });
    const fromNothing = loadConfig({
      DATABASE_URL: variables.DATABASE_URL,
      DATA_DIR: '/tmp',
      JWT_SECRET: 'x'.repeat(40),
    });
    expect(fromFile).toEqual(fromNothing);
  });
});
