import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { BotCheckModule } from '../bot-check/bot-check.module.js';
import { PumpingModule } from '../pumping/pumping.module.js';
import { QueueModule } from '../queue/queue.module.js';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { ReferralModule } from '../referral/referral.module.js';
import { UsersModule } from '../users/users.module.js';
import { SignInController } from './sign-in.controller.js';
import { SignInRepository } from './sign-in.repository.js';
import { PhoneChangeController } from './phone-change.controller.js';
import { PhoneChangeService, SignInService } from './sign-in.service.js';

/** Phone sign-in: ask for a code, sign in with it (the user is created on the first success); and moving to another number. */
@Module({
  imports: [AuthModule, RateLimitModule, QueueModule, UsersModule, ReferralModule, PumpingModule, BotCheckModule],
  controllers: [SignInController, PhoneChangeController],
  providers: [SignInService, PhoneChangeService, SignInRepository],
})
export class SignInModule {}
