import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  AppConfig,
  AppConfigModule,
  DatabaseModule,
  dataSourceOptions,
  MetricsModule,
  QueueBackendModule,
} from '@app/platform';
import { CodeDeliveryModule } from './code-delivery/code-delivery.module.js';
import { EventDeliveryModule } from './events/event-delivery.module.js';
import { HealthModule } from './health/health.module.js';
import { BacklogMetricsModule } from './metrics/backlog-metrics.module.js';
import type { WorkerMetrics } from './metrics/worker-metrics.js';
import { ReferralHoldsModule } from './referrals/referral-holds.module.js';
import { RetentionModule } from './retention/retention.module.js';

/** SPEC section 9: the worker's `/metrics` (and its `/health/*`) when METRICS_PORT is unset. */
const WORKER_METRICS_PORT = 9465;

@Module({})
export class WorkerModule {
  static register(config: AppConfig, metrics: WorkerMetrics): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        AppConfigModule.forRoot(config),
        MetricsModule.forRoot(metrics, {
          host: config.metrics.host,
          port: config.metrics.port ?? WORKER_METRICS_PORT,
          health: true,
        }),
        BacklogMetricsModule,
        TypeOrmModule.forRoot(dataSourceOptions(config, 'referral-worker')),
        DatabaseModule,
        QueueBackendModule.forRoot(config, 'consumer'),
        CodeDeliveryModule.register(config),
        RetentionModule,
        ReferralHoldsModule,
        HealthModule,
        ...(config.events.webhookUrl ? [EventDeliveryModule] : []),
      ],
    };
  }
}
