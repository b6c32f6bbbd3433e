/** The environment with NODE_OPTIONS set to the default heap settings (scripts/node-flags), unless it sets its own. */
export function withNodeFlags<T extends Record<string, string | undefined>>(env: T): T & { NODE_OPTIONS: string };
