// The V8 heap settings the API and the worker run with by default, wherever they
// are started (`make run`, `npm run start:*`, the Docker image, the bench and the
// tests): scripts/node-flags, one line, also read by docker/entrypoint.sh and the
// npm scripts. They go in as NODE_OPTIONS, so an operator's own NODE_OPTIONS
// replaces them whole (docs/performance.md, "Memory").
import { readFileSync } from 'node:fs';

/** The environment with NODE_OPTIONS set to the default heap settings, unless it sets its own. */
export function withNodeFlags(env) {
  if (env.NODE_OPTIONS !== undefined) return env;
  return { ...env, NODE_OPTIONS: readFileSync(new URL('./node-flags', import.meta.url), 'utf8').trim() };
}
