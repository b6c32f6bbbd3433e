import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module.js';
import { ChannelReceiptsController, ReceiptsController } from './receipts.controller.js';
import { ReceiptsRepository } from './receipts.repository.js';
import { ReceiptsService } from './receipts.service.js';

/** The gateways' delivery receipts (SPEC section 14). */
@Module({
  imports: [QueueModule],
  controllers: [ReceiptsController, ChannelReceiptsController],
  providers: [ReceiptsService, ReceiptsRepository],
})
export class ReceiptsModule {}
