import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  AppConfig,
  AppConfigModule,
  DatabaseModule,
  dataSourceOptions,
  MetricsModule,
  QueueBackendModule,
} from '@app/platform';
import { ApiExceptionFilter } from './common/api-exception.filter.js';
import { DevModule } from './dev/dev.module.js';
import { EventsModule } from './events/events.module.js';
import { ApiMetrics } from './metrics/api-metrics.js';
import { HealthModule } from './health/health.module.js';
import { ReceiptsModule } from './receipts/receipts.module.js';
import { ReferralModule } from './referral/referral.module.js';
import { SignInModule } from './sign-in/sign-in.module.js';
import { UsersModule } from './users/users.module.js';

/** SPEC section 9: the API's `/metrics` when METRICS_PORT is unset. */
const API_METRICS_PORT = 9464;

@Module({})
export class AppModule {
  static register(config: AppConfig, metrics: ApiMetrics): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        MetricsModule.forRoot(metrics, { host: config.metrics.host, port: config.metrics.port ?? API_METRICS_PORT }),
        TypeOrmModule.forRoot(dataSourceOptions(config, 'referral-api')),
        DatabaseModule,
        QueueBackendModule.forRoot(config, 'producer'),
        EventsModule,
        SignInModule,
        UsersModule,
        ReferralModule,
        ReceiptsModule,
        HealthModule,
        ...(config.sms.transports.includes('simulated') ? [DevModule] : []),
      ],
      providers: [{ provide: APP_FILTER, useClass: ApiExceptionFilter }],
    };
  }
}
