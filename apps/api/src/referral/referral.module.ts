import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { LeaderboardController } from './leaderboard.controller.js';
import { ReferralController } from './referral.controller.js';
import { ReferralService } from './referral.service.js';
import { ReferralsRepository } from './referrals.repository.js';

/** Invite codes and referrals. The users resource calls it for activations and for other users' lists. */
@Module({
  imports: [AuthModule],
  controllers: [ReferralController, LeaderboardController],
  providers: [ReferralService, ReferralsRepository],
  exports: [ReferralService],
})
export class ReferralModule {}
