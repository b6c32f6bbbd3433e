import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import {
  AppConfig,
  AppConfigModule,
  DatabaseModule,
  dataSourceOptions,
  loggerModule,
  useQueueBackend,
} from '@app/domain';
import { CodeDeliveryModule } from './code-delivery/code-delivery.module.js';
import { EventsModule } from './events/events.module.js';
import { RetentionModule } from './retention/retention.module.js';

@Module({})
export class WorkerModule {
  static register(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        AppConfigModule.forRoot(config),
        loggerModule(logger),
        TypeOrmModule.forRoot(dataSourceOptions(config, 'referral-worker')),
        DatabaseModule,
        BullModule.forRoot(useQueueBackend(config, 'consumer')),
        CodeDeliveryModule.register(config),
        RetentionModule,
        ...(config.events.webhookUrl ? [EventsModule] : []),
      ],
    };
  }
}
