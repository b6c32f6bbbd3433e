import helmet from '@fastify/helmet';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyBaseLogger } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { AppConfig, createLogger, PinoLoggerService, prepareDatabase } from '@app/domain';
import { AppModule } from './app.module.js';
import { useJsonBodiesOnly } from './common/json-body.js';
import { registerDocs } from './docs/docs.js';
import { RequestLogController } from './common/request-log.js';
import { createValidationPipe } from './common/validation.pipe.js';
import { registerQueueDashboard } from './queue-dashboard/queue-dashboard.js';
import { registerWebPage } from './web/web.js';

export const API_PREFIX = 'api/v1';

const REQUEST_ID = /^[\w.-]{1,64}$/;

/** A caller's X-Request-Id is kept when it is sane, so logs can be matched across services. */
function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Builds the API exactly as it serves: used by main.ts and by the end-to-end
 * tests, so the tests exercise the real pipes, filters, limits and headers.
 * The caller decides when to listen.
 */
export async function createApiApp(config: AppConfig): Promise<NestFastifyApplication> {
  const logger = createLogger(config, 'api');
  const migrations = await prepareDatabase(config, 'referral-api');
  if (migrations.length > 0) logger.info({ migrations }, 'applied migrations');

  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    logController: new RequestLogController(),
    // No child logger per request (pino serialises its bindings each time): the one
    // request line carries the request id itself.
    childLoggerFactory: (parent: FastifyBaseLogger) => parent,
    bodyLimit: config.http.bodyLimitBytes,
    // Fastify takes a hop count too, though the adapter's type does not say so.
    trustProxy: config.http.trustProxy as boolean | string[],
    genReqId: requestId,
    routerOptions: { ignoreTrailingSlash: true },
    return503OnClosing: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(config), adapter, {
    logger: new PinoLoggerService(logger),
    bodyParser: false,
  });

  const fastify = app.getHttpAdapter().getInstance();
  // Bodies are JSON or nothing: any other content type is 415, not a string or form handed to a DTO.
  useJsonBodiesOnly(fastify);
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('X-Request-Id', request.id);
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        // ReDoc renders in a web worker it builds from a blob.
        workerSrc: ["'self'", 'blob:'],
        frameAncestors: ["'none'"],
        // The API is often reached over plain HTTP on localhost in development.
        upgradeInsecureRequests: null,
      },
    },
  });
  registerWebPage(fastify);
  app.enableCors({
    origin: config.http.corsOrigins.length > 0 ? config.http.corsOrigins : false,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
    exposedHeaders: ['Retry-After', 'X-Request-Id'],
    maxAge: 600,
  });

  app.setGlobalPrefix(API_PREFIX, { exclude: ['health/live', 'health/ready'] });
  app.useGlobalPipes(createValidationPipe());
  registerDocs(app);
  await registerQueueDashboard(app, config);
  return app;
}
