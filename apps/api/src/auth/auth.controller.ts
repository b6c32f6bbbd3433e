import { applyDecorators, Body, Controller, Header, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '@app/domain';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { IpRateLimitGuard, LimitPerIp } from '../rate-limit/rate-limit.guard.js';
import { AuthService } from './auth.service.js';
import { CodeRequestedDto } from './dto/code-requested.dto.js';
import { RefreshTokenDto } from './dto/refresh-token.dto.js';
import { SignupDto } from './dto/signup.dto.js';
import { TokenResponseDto } from './dto/token-response.dto.js';
import { VerifyCodeDto } from './dto/verify-code.dto.js';

/** RFC 6749 section 5.1: an answer that carries tokens is never stored by a cache. */
const NotCached = () => applyDecorators(Header('Cache-Control', 'no-store'), Header('Pragma', 'no-cache'));

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('signup')
  @HttpCode(HttpStatus.ACCEPTED)
  @UseGuards(IpRateLimitGuard)
  @LimitPerIp('signup')
  @ApiOperation({
    summary: 'Ask for a sign-in code',
    description:
      'Queues an SMS with a 4-digit code and answers at once, the same way for known and unknown numbers. ' +
      'One code per number per minute, five per hour.',
  })
  @ApiResponse({ status: 202, type: CodeRequestedDto })
  @ApiErrors(
    ErrorCode.INVALID_PHONE_NUMBER,
    ErrorCode.USERNAME_TAKEN,
    ErrorCode.RATE_LIMITED,
    ErrorCode.TOO_MANY_ATTEMPTS,
  )
  signup(@Body() body: SignupDto): Promise<CodeRequestedDto> {
    return this.auth.requestCode(body.phone_number, body.username);
  }

  @Post('code')
  @HttpCode(HttpStatus.OK)
  @NotCached()
  @UseGuards(IpRateLimitGuard)
  @LimitPerIp('verify')
  @ApiOperation({
    summary: 'Sign in with the code',
    description: 'Creates the user on the first successful sign-in. Every failure is the same INVALID_CODE.',
  })
  @ApiResponse({ status: 200, type: TokenResponseDto })
  @ApiErrors(
    ErrorCode.INVALID_PHONE_NUMBER,
    ErrorCode.INVALID_CODE,
    ErrorCode.TOO_MANY_ATTEMPTS,
    ErrorCode.RATE_LIMITED,
  )
  verify(@Body() body: VerifyCodeDto): Promise<TokenResponseDto> {
    return this.auth.verifyCode(body.phone_number, body.code);
  }

  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @NotCached()
  @ApiOperation({
    summary: 'Exchange a refresh token for new tokens',
    description: 'The old refresh token stops working.',
  })
  @ApiResponse({ status: 200, type: TokenResponseDto })
  @ApiErrors(ErrorCode.INVALID_REFRESH_TOKEN)
  refresh(@Body() body: RefreshTokenDto): Promise<TokenResponseDto> {
    return this.auth.refresh(body.refresh_token);
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'End the session of a refresh token', description: 'Its access tokens stop working too.' })
  @ApiResponse({ status: 204 })
  logout(@Body() body: RefreshTokenDto): Promise<void> {
    return this.auth.logout(body.refresh_token);
  }
}
