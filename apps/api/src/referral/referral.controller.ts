import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { JwtAuthGuard } from '../auth/jwt-auth.guard.js';
import { PageQueryDto } from '../common/keyset.js';
import { ReferralsPageDto } from './dto/referrals-page.dto.js';
import { ReferralService } from './referral.service.js';

@ApiTags('users')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard)
@Controller('users/me/referrals')
export class ReferralController {
  constructor(private readonly referrals: ReferralService) {}

  @Get()
  @ApiOperation({ summary: 'Everyone who activated the caller’s code', description: 'Newest first, keyset-paginated.' })
  @ApiResponse({ status: 200, type: ReferralsPageDto })
  mine(@CurrentUser() caller: AuthUser, @Query() query: PageQueryDto): Promise<ReferralsPageDto> {
    return this.referrals.list(caller.id, query);
  }
}
