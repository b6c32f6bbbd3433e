import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { AdminReferralsController } from './admin-referrals.controller.js';
import { HostReferralsController } from './host-referrals.controller.js';
import { LeaderboardController } from './leaderboard.controller.js';
import { ReferralLifecycleRepository } from './referral-lifecycle.repository.js';
import { ReferralLifecycleService } from './referral-lifecycle.service.js';
import { RewardsController } from './rewards.controller.js';
import { ReferralController } from './referral.controller.js';
import { ReferralService } from './referral.service.js';
import { ReferralsRepository } from './referrals.repository.js';

/**
 * Invite codes and referrals, and their life (SPEC section 13). The users
 * resource calls it for activations, deletions and other users' lists.
 */
@Module({
  imports: [AuthModule],
  controllers: [
    ReferralController,
    LeaderboardController,
    HostReferralsController,
    AdminReferralsController,
    RewardsController,
  ],
  providers: [ReferralService, ReferralsRepository, ReferralLifecycleService, ReferralLifecycleRepository],
  exports: [ReferralService, ReferralLifecycleService],
})
export class ReferralModule {}
