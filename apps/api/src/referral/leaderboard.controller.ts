import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '@app/domain';
import { AdminOnly, JwtAuthGuard } from '../auth/jwt-auth.guard.js';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { LeaderboardDto, LeaderboardQueryDto } from './dto/leaderboard.dto.js';
import { ReferralService } from './referral.service.js';

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard)
@AdminOnly('referrals:read')
@ApiKeyAuth('referrals:read')
@Controller('referrals/leaderboard')
export class LeaderboardController {
  constructor(private readonly referrals: ReferralService) {}

  @Get()
  @ApiOperation({
    summary: 'The users with the most final referrals (admins)',
    description: 'Read from the stored counts, never by counting the referrals.',
  })
  @ApiResponse({ status: 200, type: LeaderboardDto })
  @ApiErrors(ErrorCode.FORBIDDEN)
  top(@Query() query: LeaderboardQueryDto): Promise<LeaderboardDto> {
    return this.referrals.leaderboard(query.limit ?? 10);
  }
}
