import { Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig, type RedisClient } from '@app/platform';
import { COUNTERS_REDIS, CountersModule } from '../common/counters.module.js';
import { ConversionRepository } from './conversion.repository.js';
import { PostgresSmsBudgetStore } from './postgres-sms-budget.store.js';
import { PumpingService } from './pumping.service.js';
import { RedisSmsBudgetStore } from './redis-sms-budget.store.js';
import { SmsBudgetStore } from './sms-budget.store.js';

/** Countries and budgets against SMS pumping; the budgets live in Redis when there is one, in PostgreSQL otherwise. */
@Module({
  imports: [CountersModule],
  providers: [
    PumpingService,
    ConversionRepository,
    {
      provide: SmsBudgetStore,
      inject: [COUNTERS_REDIS, getDataSourceToken(), AppConfig],
      useFactory: (redis: RedisClient | null, db: DataSource, config: AppConfig) =>
        redis ? new RedisSmsBudgetStore(redis, config.redis.keyPrefix) : new PostgresSmsBudgetStore(db),
    },
  ],
  exports: [PumpingService],
})
export class PumpingModule {}
