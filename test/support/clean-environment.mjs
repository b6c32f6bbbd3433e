// Loaded by jest.config.js, in Jest's own process before any test or global
// setup: the caller's settings (PORT, NODE_ENV=production, LOG_LEVEL, a
// DATABASE_URL, …) never reach a test, a stack or a process the tests start.
// The names are every setting of the schema, read from the generated
// .env.example (settings-reference.spec.ts holds it to the schema). A test that
// needs a setting passes it explicitly.
import { readFileSync } from 'node:fs';

const example = new URL('../../.env.example', import.meta.url);
for (const [, name] of readFileSync(example, 'utf8').matchAll(/^#([A-Z][A-Z0-9_]*)=/gm)) delete process.env[name];
process.env.NODE_ENV = 'test';
// No developer's .env either: the settings files read it from the working folder.
process.env.ENV_FILE = '/dev/null';
