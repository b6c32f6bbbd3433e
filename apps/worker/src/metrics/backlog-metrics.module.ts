import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { CODE_DELIVERY_QUEUE, EVENTS_QUEUE } from '@app/domain';
import { BacklogMetrics } from './backlog.metrics.js';
import { BacklogRepository } from './backlog.repository.js';

/** The backlog gauges; the counters are the features' own (WorkerMetrics, made at bootstrap). */
@Module({
  imports: [BullModule.registerQueue({ name: CODE_DELIVERY_QUEUE }, { name: EVENTS_QUEUE })],
  providers: [BacklogMetrics, BacklogRepository],
})
export class BacklogMetricsModule {}
