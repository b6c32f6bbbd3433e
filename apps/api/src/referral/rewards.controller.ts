import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { JwtAuthGuard } from '../auth/jwt-auth.guard.js';
import { PageQueryDto } from '../common/keyset.js';
import { RewardsPageDto } from './dto/lifecycle.dto.js';
import { ReferralLifecycleService } from './referral-lifecycle.service.js';

@ApiTags('users')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard)
@Controller('users/me/rewards')
export class RewardsController {
  constructor(private readonly lifecycle: ReferralLifecycleService) {}

  @Get()
  @ApiOperation({
    summary: 'The caller’s rewards',
    description:
      'What final referrals earned the caller, as inviter or invitee, and milestones: granted, fulfilled (the ' +
      'host credited it) or reversed (the referral was voided). Newest first, with the balance per unit.',
  })
  @ApiResponse({ status: 200, type: RewardsPageDto })
  mine(@CurrentUser() caller: AuthUser, @Query() query: PageQueryDto): Promise<RewardsPageDto> {
    return this.lifecycle.rewards(caller.id, query);
  }
}
