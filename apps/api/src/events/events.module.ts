import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { EVENTS_QUEUE } from '@app/domain';
import { EventPublisher, EventsRepository } from '@app/platform';
import { AuthModule } from '../auth/auth.module.js';
import { EventsController } from './events.controller.js';
import { EventsQueue } from './events.queue.js';
import { EventsService } from './events.service.js';

/**
 * Events for the host app, on the API's side: the publisher the unit of work
 * hands committed events to (global: the unit of work, in libs/platform,
 * cannot import an app's module, and every feature's transactions reach it),
 * and the admin's events API.
 */
@Global()
@Module({
  imports: [AuthModule, BullModule.registerQueue({ name: EVENTS_QUEUE })],
  controllers: [EventsController],
  providers: [EventsQueue, EventsRepository, EventsService, { provide: EventPublisher, useExisting: EventsQueue }],
  exports: [EventPublisher],
})
export class EventsModule {}
