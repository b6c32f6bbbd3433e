import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { FastifyBaseLogger } from 'fastify';
import { AppConfig, createLogger, nestLogger, prepareDatabase } from '@app/platform';
import { AppModule } from './app.module.js';
import { useJsonBodiesOnly } from './common/json-body.js';
import { RequestLogController } from './common/request-log.js';
import { answerClientError, answerRouterError, registerEdgeHooks, requestId } from './common/http-edge.js';
import { InputShapePipe } from './common/input-shape.pipe.js';
import { trustProxyOption } from './common/client-address.js';
import { registerDocs } from './docs/docs.js';
import { buildOpenApiDocument } from './docs/openapi.js';
import { ApiMetrics } from './metrics/api-metrics.js';
import { createValidationPipe } from './common/validation.pipe.js';
import { registerQueueDashboard } from './queue-dashboard/queue-dashboard.js';
import { registerWebPage } from './web/web.js';
import { LEFT_OUT } from './common/cost-ledger.js';
import { leaveNestOutOfTheProfileRead, serialiseNothing } from './cost-ledger-rows.js';

export const API_PREFIX = 'api/v1';

/**
 * Builds the API exactly as it serves: used by main.ts and by the end-to-end
 * tests, so the tests exercise the real pipes, filters, limits and headers.
 * The caller decides when to listen.
 */
export async function createApiApp(config: AppConfig): Promise<NestFastifyApplication> {
  const logger = createLogger(config, 'api');
  const migrations = await prepareDatabase(config, 'referral-api');
  if (migrations.length > 0) logger.info({ migrations }, 'applied migrations');

  const metrics = new ApiMetrics();
  const adapter = new FastifyAdapter({
    // Fastify's own messages and the request lines; Nest's and ours go through nestLogger to the same logger.
    loggerInstance: logger,
    logController: new RequestLogController(
      LEFT_OUT.has('histogram')
        ? undefined
        : (method, route, status, ms) => metrics.observeRequest(method, route, status, ms),
      !LEFT_OUT.has('log'),
    ),
    // No child logger per request (pino serialises its bindings each time).
    childLoggerFactory: (parent: FastifyBaseLogger) => parent,
    bodyLimit: config.http.bodyLimitBytes,
    // The adapter's type names no function, which Fastify takes.
    trustProxy: trustProxyOption(config.http.trustProxy) as boolean | string[],
    genReqId: requestId,
    routerOptions: { ignoreTrailingSlash: true },
    // Answered in the API's own error body and headers (common/http-edge.ts), not Fastify's.
    frameworkErrors: answerRouterError,
    clientErrorHandler: answerClientError,
    return503OnClosing: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(config, metrics), adapter, {
    logger: nestLogger(logger),
    bodyParser: false,
  });

  const fastify = app.getHttpAdapter().getInstance();
  // Bodies are JSON or nothing: any other content type is 415, not a string or form handed to a DTO.
  useJsonBodiesOnly(fastify);
  registerEdgeHooks(fastify);
  registerWebPage(fastify, { inbox: config.sms.transports.includes('simulated'), botCheck: config.botCheck });
  if (!LEFT_OUT.has('cors')) enableCors(app, config);

  setRoutePrefix(app);
  // The input's shape first (an object, not too deep, no NUL), then the DTOs.
  if (!LEFT_OUT.has('pipes')) app.useGlobalPipes(new InputShapePipe(), createValidationPipe());
  if (LEFT_OUT.has('serialisation')) serialiseNothing(fastify);
  if (LEFT_OUT.has('nest')) leaveNestOutOfTheProfileRead(app);
  registerDocs(app);
  await registerQueueDashboard(app, config);
  return app;
}

function enableCors(app: NestFastifyApplication, config: AppConfig): void {
  app.enableCors({
    origin: config.http.corsOrigins.length > 0 ? config.http.corsOrigins : false,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
    exposedHeaders: ['Retry-After', 'X-Request-Id'],
    maxAge: 600,
  });
}

/** Every route under /api/v1 but the probes and the key documents, which clients and orchestrators expect at the root. */
function setRoutePrefix(app: INestApplication): void {
  app.setGlobalPrefix(API_PREFIX, {
    exclude: ['health/live', 'health/ready', '.well-known/jwks.json', '.well-known/openid-configuration'],
  });
}

/**
 * The OpenAPI document the API serves, built from the code alone: the modules
 * in Nest's preview mode (no provider made, no database, no Redis), the same
 * prefix and the same builder as a running API. `npm run openapi` writes it to
 * docs/openapi.json; the e2e test holds the file to what the API serves.
 */
export async function documentOfCode(config: AppConfig): Promise<OpenAPIObject> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config, new ApiMetrics()),
    new FastifyAdapter(),
    { preview: true, logger: false },
  );
  setRoutePrefix(app);
  const document = buildOpenApiDocument(app);
  await app.close();
  return document;
}
