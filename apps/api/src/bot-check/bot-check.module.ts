import { Module } from '@nestjs/common';
import { PumpingModule } from '../pumping/pumping.module.js';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { BotCheckGuard } from './bot-check.guard.js';
import { BotCheckService } from './bot-check.service.js';

/** The bot check before a code is sent (SPEC section 15); its counters share the per-address limits' store. */
@Module({
  imports: [RateLimitModule, PumpingModule],
  providers: [BotCheckService, BotCheckGuard],
  exports: [BotCheckService, BotCheckGuard],
})
export class BotCheckModule {}
