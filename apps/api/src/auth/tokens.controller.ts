import { Body, Controller, HttpCode, HttpStatus, Ip, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '@app/domain';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { RefreshTokenDto } from './dto/refresh-token.dto.js';
import { TokenResponseDto } from './dto/token-response.dto.js';
import { LimitPerIp } from '../rate-limit/ip-throttler.guard.js';
import { NotCached } from './not-cached.decorator.js';
import { clientAddress } from '../common/client-address.js';
import { TokensService } from './tokens.service.js';

@ApiTags('auth')
@Controller('auth')
export class TokensController {
  constructor(private readonly tokens: TokensService) {}

  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @NotCached()
  @LimitPerIp('token')
  @ApiOperation({
    summary: 'Exchange a refresh token for new tokens',
    description: 'The old refresh token stops working.',
  })
  @ApiResponse({ status: 200, type: TokenResponseDto })
  @ApiErrors(ErrorCode.INVALID_REFRESH_TOKEN, ErrorCode.RATE_LIMITED)
  async refresh(@Body() body: RefreshTokenDto, @Ip() ip: string): Promise<TokenResponseDto> {
    const issued = await this.tokens.refresh(body.refresh_token, clientAddress(ip));
    return TokenResponseDto.of(issued, issued.referralCode, false);
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @LimitPerIp('token')
  @ApiOperation({ summary: 'End the session of a refresh token', description: 'Its access tokens stop working too.' })
  @ApiResponse({ status: 204 })
  @ApiErrors(ErrorCode.RATE_LIMITED)
  logout(@Body() body: RefreshTokenDto): Promise<void> {
    return this.tokens.logout(body.refresh_token);
  }
}
