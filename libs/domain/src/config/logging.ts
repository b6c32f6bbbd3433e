import { RequestMethod, type DynamicModule } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
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

/** What Fastify (through @fastify/middie) leaves on the raw request for middleware. */
type RawRequest = IncomingMessage & { id?: string; ip?: string; originalUrl?: string };

/**
 * nestjs-pino: Nest's own logs and ours through one pino logger, and one line
 * per HTTP request when it completes (the worker has none). The line names the
 * path without its query string, the status, the time and the client; never a
 * header or a body.
 */
export function loggerModule(config: AppConfig, name: string): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      logger: createLogger(config, name),
      // Fastify's request id (X-Request-Id when sane), the one the error bodies carry.
      genReqId: (request: RawRequest) => request.id ?? '',
      quietReqLogger: true,
      // The serializers below get the raw request and response, without pino's own serializing first.
      wrapSerializers: false,
      customSuccessMessage: () => 'request',
      customErrorMessage: () => 'request errored',
      customLogLevel: (_request, response, error) => (error || response.statusCode >= 500 ? 'error' : 'info'),
      serializers: {
        req: (request: RawRequest) => ({
          id: request.id,
          method: request.method,
          // Middleware sees `url` relative to where it is mounted; originalUrl is the whole path.
          url: (request.originalUrl ?? request.url)?.split('?')[0],
          ip: request.ip,
        }),
        res: (response: ServerResponse) => ({ status: response.statusCode }),
      },
    },
    // nestjs-pino's default pattern misses routes outside the global prefix and repeats excluded ones.
    forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
  });
}
