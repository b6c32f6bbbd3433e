import type { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
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
 * nestjs-pino: Nest's own logs and ours through the process's one pino logger.
 * Without its per-request middleware: that middleware keeps each request's
 * logger in an AsyncLocalStorage, which on Node 20 slows every promise of the
 * process, and with pino-http's line it cost 135 ms of CPU per 1,000 profile
 * reads (bench (a): 165 ms without it, 300 with it). The API's request line is
 * written by Fastify on the same logger (apps/api/src/common/request-log.ts).
 */
export function loggerModule(logger: Logger): DynamicModule {
  return LoggerModule.forRoot({ pinoHttp: { logger }, forRoutes: [] });
}
