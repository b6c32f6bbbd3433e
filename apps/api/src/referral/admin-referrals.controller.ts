import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '@app/domain';
import type { AuthUser } from '../auth/auth-user.js';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { AdminOnly, JwtAuthGuard } from '../auth/jwt-auth.guard.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import {
  AdminReferralDetailDto,
  AdminReferralDto,
  AdminReferralsPageDto,
  AdminReferralsQueryDto,
  RejectReferralDto,
} from './dto/lifecycle.dto.js';
import { ReferralLifecycleService } from './referral-lifecycle.service.js';

/** SPEC section 13 for admins: every referral with its signals, and the review queue's decisions. */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard)
@Controller('admin/referrals')
export class AdminReferralsController {
  constructor(private readonly lifecycle: ReferralLifecycleService) {}

  @Get()
  @AdminOnly('referrals:read')
  @ApiKeyAuth('referrals:read')
  @ApiOperation({
    summary: 'Referrals with their verdicts and signals (admins)',
    description: 'Newest first, keyset-paginated. `?verdict=review` is the review queue.',
  })
  @ApiResponse({ status: 200, type: AdminReferralsPageDto })
  @ApiErrors(ErrorCode.FORBIDDEN)
  list(@Query() query: AdminReferralsQueryDto): Promise<AdminReferralsPageDto> {
    return this.lifecycle.adminList(query);
  }

  @Get(':id')
  @AdminOnly('referrals:read')
  @ApiKeyAuth('referrals:read')
  @ApiOperation({
    summary: 'One referral, its history and its rewards (admins)',
    description:
      'Every move of the referral as a row of its own (activated, qualified, final, void, review), its fraud ' +
      'signals and verdict, and the rewards of both sides with their reversals.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, type: AdminReferralDetailDto })
  @ApiErrors(ErrorCode.FORBIDDEN, ErrorCode.REFERRAL_NOT_FOUND)
  detail(@Param('id') id: string): Promise<AdminReferralDetailDto> {
    return this.lifecycle.adminDetail(id);
  }

  @Post(':id/approve')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('referrals:review')
  @ApiKeyAuth('referrals:review')
  @ApiOperation({
    summary: 'Approve a referral in review (admins)',
    description: 'Its verdict becomes clear; a qualified referral past its hold is final at once.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, type: AdminReferralDto })
  @ApiErrors(ErrorCode.FORBIDDEN, ErrorCode.REFERRAL_NOT_FOUND, ErrorCode.REFERRAL_NOT_IN_REVIEW)
  approve(@CurrentUser() caller: AuthUser, @Param('id') id: string): Promise<AdminReferralDto> {
    return this.lifecycle.review(caller, id, true, null);
  }

  @Post(':id/reject')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('referrals:review')
  @ApiKeyAuth('referrals:review')
  @ApiOperation({ summary: 'Reject a referral in review (admins)', description: 'It is void, with the reason.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, type: AdminReferralDto })
  @ApiErrors(ErrorCode.FORBIDDEN, ErrorCode.REFERRAL_NOT_FOUND, ErrorCode.REFERRAL_NOT_IN_REVIEW)
  reject(
    @CurrentUser() caller: AuthUser,
    @Param('id') id: string,
    @Body() body: RejectReferralDto,
  ): Promise<AdminReferralDto> {
    return this.lifecycle.review(caller, id, false, body.reason);
  }
}
