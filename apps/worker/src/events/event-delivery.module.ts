import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { EVENTS_QUEUE } from '@app/domain';
import { EventsRepository } from '@app/platform';
import { EventDeliveryProcessor } from './event-delivery.processor.js';
import { EventsSweep } from './events.sweep.js';
import { WebhookSender } from './webhook-sender.js';

/** Delivery of the outbox's events to EVENTS_WEBHOOK_URL (only when it is set). */
@Module({
  imports: [BullModule.registerQueue({ name: EVENTS_QUEUE })],
  providers: [EventDeliveryProcessor, EventsRepository, EventsSweep, WebhookSender],
  exports: [EventsSweep],
})
export class EventDeliveryModule {}
