import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig, AppConfigModule, dataSourceOptions, useQueueBackend } from '@app/domain';
import { CodeDeliveryModule } from './code-delivery/code-delivery.module.js';

@Module({})
export class WorkerModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        AppConfigModule.forRoot(config),
        TypeOrmModule.forRoot(dataSourceOptions(config, 'referral-worker')),
        BullModule.forRoot(useQueueBackend(config, 'consumer')),
        CodeDeliveryModule.register(config),
      ],
    };
  }
}
