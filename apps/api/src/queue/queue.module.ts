import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { CODE_DELIVERY_QUEUE } from '@app/domain';
import { CodeDeliveryQueue } from './code-delivery.queue.js';

/** The API's one handle on the code-delivery queue, shared by sign-in and the health check. */
@Module({
  imports: [BullModule.registerQueue({ name: CODE_DELIVERY_QUEUE })],
  providers: [CodeDeliveryQueue],
  exports: [CodeDeliveryQueue, BullModule],
})
export class QueueModule {}
