import type { LoggerService } from '@nestjs/common';
import { pino, type Logger, type LoggerOptions } from 'pino';
import type { AppConfig } from './app-config.js';

/**
 * Structured JSON logs. Credentials and codes are redacted wherever they might
 * appear, so a log line can be shared without leaking a way in.
 */
export function pinoOptions(config: AppConfig, name: string): LoggerOptions {
  return {
    name,
    level: config.logLevel,
    base: { pid: process.pid },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'body',
        '*.code',
        '*.token',
        '*.refresh_token',
        '*.password',
        '*.text',
      ],
      censor: '[redacted]',
    },
  };
}

export function createLogger(config: AppConfig, name: string): Logger {
  return pino(pinoOptions(config, name));
}

/**
 * Nest's LoggerService over pino, so framework messages and ours share one JSON
 * stream. Nest passes (message, ...params, context); an object first becomes
 * the log line's fields and a following string its message.
 */
export class PinoLoggerService implements LoggerService {
  constructor(readonly pino: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(
    level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal',
    message: unknown,
    params: unknown[],
  ): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const rest = [...params];
    // Nest appends the context (the class name) as the last string parameter.
    const context = rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    if (message instanceof Error) {
      this.pino[level]({ context, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      const text = typeof rest[0] === 'string' ? rest.shift() : undefined;
      this.pino[level]({ context, ...(message as Record<string, unknown>) }, text as string | undefined);
    } else {
      // Nest's own error logs pass a stack trace as the next parameter.
      const stack = typeof rest[0] === 'string' ? rest.shift() : undefined;
      this.pino[level]({ context, ...(stack ? { stack } : {}) }, String(message));
    }
  }
}
