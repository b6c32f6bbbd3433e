import { Body, Controller, HttpCode, HttpStatus, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '@app/domain';
import type { AuthUser } from '../auth/auth-user.js';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { AdminOnly, JwtAuthGuard } from '../auth/jwt-auth.guard.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import {
  FulfilRewardDto,
  HostCallAnswerDto,
  QualifyReferralDto,
  RewardDto,
  VoidReferralDto,
} from './dto/lifecycle.dto.js';
import { ReferralLifecycleService } from './referral-lifecycle.service.js';

/**
 * SPEC section 13, the host's backend's side: it reports what qualifies a
 * referral and what voids one, and says when it has paid a reward. With an API
 * key of the scope (or an admin's token); each call is idempotent.
 */
@ApiTags('referral lifecycle')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard)
@Controller()
export class HostReferralsController {
  constructor(private readonly lifecycle: ReferralLifecycleService) {}

  @Post('referrals/qualify')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('referrals:write')
  @ApiKeyAuth('referrals:write')
  @ApiOperation({
    summary: 'Report an invitee’s qualifying action (the host’s backend)',
    description:
      'A pending referral becomes qualified, and final after REFERRAL_HOLD_SECONDS unless in review or voided. ' +
      'Idempotent on `event_id`: a retry answers as the first call and changes nothing; `already` when the ' +
      'referral was qualified before.',
  })
  @ApiResponse({ status: 200, type: HostCallAnswerDto })
  @ApiErrors(ErrorCode.FORBIDDEN, ErrorCode.REFERRAL_NOT_FOUND, ErrorCode.REFERRAL_VOID, ErrorCode.EVENT_ID_REUSED)
  qualify(@CurrentUser() caller: AuthUser, @Body() body: QualifyReferralDto): Promise<HostCallAnswerDto> {
    return this.lifecycle.qualify(caller, body);
  }

  @Post('referrals/void')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('referrals:write')
  @ApiKeyAuth('referrals:write')
  @ApiOperation({
    summary: 'Void an invitee’s referral (refund, abuse)',
    description:
      'From any state: a final referral’s rewards are reversed by new ledger entries, and a milestone no ' +
      'longer reached with it. Idempotent on `event_id`; `already` when it was void before.',
  })
  @ApiResponse({ status: 200, type: HostCallAnswerDto })
  @ApiErrors(ErrorCode.FORBIDDEN, ErrorCode.REFERRAL_NOT_FOUND, ErrorCode.EVENT_ID_REUSED)
  void(@CurrentUser() caller: AuthUser, @Body() body: VoidReferralDto): Promise<HostCallAnswerDto> {
    return this.lifecycle.void(caller, body);
  }

  @Post('rewards/:id/fulfill')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('rewards:write')
  @ApiKeyAuth('rewards:write')
  @ApiOperation({
    summary: 'Mark a reward fulfilled (the host credited it)',
    description: 'Once: a second call answers the reward as it is. A reversed reward cannot be fulfilled.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, type: RewardDto })
  @ApiErrors(ErrorCode.FORBIDDEN, ErrorCode.REWARD_NOT_FOUND, ErrorCode.REWARD_REVERSED)
  fulfil(@CurrentUser() caller: AuthUser, @Param('id') id: string, @Body() body: FulfilRewardDto): Promise<RewardDto> {
    return this.lifecycle.fulfil(caller, id, body.reference ?? null);
  }
}
