import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { AppConfig, createLogger, nestLogger, prepareDatabase } from '@app/platform';
import { WorkerMetrics } from './metrics/worker-metrics.js';
import { WorkerModule } from './worker.module.js';

/**
 * Builds the worker: a Nest application context with no HTTP server (but
 * `/metrics` on a port of its own). Used by
 * main.ts and by the end-to-end tests, which run it in the test process.
 */
export async function createWorker(config: AppConfig): Promise<INestApplicationContext> {
  const logger = createLogger(config, 'worker');
  const migrations = await prepareDatabase(config, 'referral-worker');
  if (migrations.length > 0) logger.info({ migrations }, 'applied migrations');
  const app = await NestFactory.createApplicationContext(
    WorkerModule.register(config, new WorkerMetrics(config.sms.transports)),
    { logger: nestLogger(logger) },
  );
  return app;
}
