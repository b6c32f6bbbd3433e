import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { CODE_DELIVERY_QUEUE } from '@app/domain';
import { WorkerReadiness } from './worker-readiness.js';

/** `/health/live` and `/health/ready` on the worker's metrics port (MetricsModule serves them). */
@Module({
  imports: [BullModule.registerQueue({ name: CODE_DELIVERY_QUEUE })],
  providers: [WorkerReadiness],
})
export class HealthModule {}
