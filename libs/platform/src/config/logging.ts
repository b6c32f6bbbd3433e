import type { LoggerService } from '@nestjs/common';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import { pino, type Logger, type LoggerOptions } from 'pino';
import { createRequire } from 'node:module';
import type { AppConfig } from './app-config.js';
import { traceField } from '../queue/queue-tracing.js';
import { tracingEnabled } from './tracing.js';

/**
 * A phone number as it can reach a log line: E.164 (`+79991234567`), spaced or
 * dashed as a person typed it, or URL-encoded (`%2B7999…`, `+7%20999…`).
 */
const PHONE_IN_TEXT = /(?:\+|%2B)\d(?:[\d ().-]|%20){5,20}\d/gi;

/**
 * Masks every phone number in a finished log line, whatever put it there: a
 * path, a driver's error detail (PostgreSQL's "Key (phone_number)=(…) already
 * exists"), a library's message. One pass over the line's text, for every line.
 */
export function scrubPhones(line: string): string {
  return line.replace(PHONE_IN_TEXT, '[phone]');
}

/**
 * Structured JSON logs. Credentials and codes are redacted wherever they might
 * appear, and phone numbers masked in the written line, so a log line can be
 * shared without leaking a way in or a person's number.
 */
export function pinoOptions(config: AppConfig, name: string): LoggerOptions {
  return {
    name,
    level: config.logLevel,
    base: { pid: process.pid },
    // With traces on, each line written inside a request or a job names its trace.
    ...(tracingEnabled() ? { mixin: traceField } : {}),
    hooks: { streamWrite: scrubPhones },
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

/** The request line's fields (request-log.ts), said in the message of a pretty line. */
const REQUEST_FIELDS = ['reqId', 'method', 'url', 'status', 'ms', 'ip'];

/**
 * LOG_FORMAT=pretty: one short line each, `12:04:31 INFO api RoutesResolver: …`,
 * other fields as JSON at its end. Written synchronously, so the last lines
 * before a crash are not lost.
 */
function prettyStream() {
  // Loaded for LOG_FORMAT=pretty only: production's JSON lines never need its 1-2 MB of heap.
  const { PinoPretty } = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  return PinoPretty({
    colorize: Boolean(process.stdout.isTTY),
    translateTime: 'SYS:HH:MM:ss',
    singleLine: true,
    sync: true,
    ignore: ['pid', 'hostname', 'name', 'context', ...REQUEST_FIELDS].join(','),
    messageFormat: '{name}{if context} {context}{end}: {msg}{if method} {method} {url} {status} {ms} ms{end}',
  });
}

export function createLogger(config: AppConfig, name: string): Logger {
  const options = pinoOptions(config, name);
  return config.logFormat === 'pretty' ? pino(options, prettyStream()) : pino(options);
}

/** Nest's start-up listings: every module loaded, controller and route mapped, "starting", "started". */
const NEST_LISTINGS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

/**
 * The logger a Nest application is created with (its `logger` option): Nest's
 * own logs and ours through the process's pino logger, by nestjs-pino's Logger
 * (which reads Nest's calling conventions), with Nest's start-up listings (about
 * 60 lines at every start) at debug instead of info. Given at creation rather
 * than buffered and set later: a start that fails would flush the buffer to
 * Nest's console logger instead. A failed listen is said once, by the entry point
 * (startup.ts), not also by Nest.
 *
 * Without nestjs-pino's per-request middleware (LoggerModule is not imported):
 * it keeps each request's logger in an AsyncLocalStorage, and with pino-http's
 * line it cost 135 ms of CPU per 1,000 profile reads on Node 20 (bench (a): 165
 * ms without it, 300 with it). The API's request line is written by Fastify on
 * the same logger (apps/api/src/common/request-log.ts).
 */
export function nestLogger(logger: Logger): LoggerService {
  const nest = new NestPinoLogger(new PinoLogger({ pinoHttp: { logger } }), {});
  const context = (rest: unknown[]) => rest.at(-1) as string;
  return {
    log: (message: unknown, ...rest: unknown[]) => {
      if (NEST_LISTINGS.has(context(rest))) nest.debug(message, ...rest);
      else nest.log(message, ...rest);
    },
    error: (message: unknown, ...rest: unknown[]) => {
      if (context(rest) === 'NestApplication' && /^Error: listen E/.test(String(message))) return;
      nest.error(message, ...rest);
    },
    warn: (message: unknown, ...rest: unknown[]) => nest.warn(message, ...rest),
    debug: (message: unknown, ...rest: unknown[]) => nest.debug(message, ...rest),
    verbose: (message: unknown, ...rest: unknown[]) => nest.verbose(message, ...rest),
    fatal: (message: unknown, ...rest: unknown[]) => nest.fatal(message, ...rest),
  };
}
