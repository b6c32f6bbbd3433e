import { ConfigError } from './app-config.js';

/** A start-up failure whose message is the whole story: printed alone, without a stack. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/**
 * The one sentence for a server that cannot listen, naming the settings that
 * move it. Any other error is returned as it was.
 */
export function listenError(what: string, host: string, port: number, settings: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${what} cannot listen on ${host}:${port}`;
  if (code === 'EADDRINUSE') {
    return new StartupError(`${where}: the port is in use (by another process on this machine?); ${settings}`);
  }
  if (code === 'EACCES') return new StartupError(`${where}: not allowed for this user; ${settings}`);
  if (code === 'EADDRNOTAVAIL') return new StartupError(`${where}: no such address on this machine; ${settings}`);
  return error instanceof Error ? error : new Error(String(error));
}

/** How an entry point ends when it cannot start: one sentence for what we foresaw, the error otherwise. */
export function exitOnStartFailure(name: string): (error: unknown) => never {
  return (error: unknown) => {
    if (error instanceof ConfigError || error instanceof StartupError) console.error(`${name}: ${error.message}`);
    else console.error(`${name} failed to start:`, error);
    process.exit(1);
  };
}
