import { Body, Controller, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorBodyDto } from '../common/error-body.js';
import { IpRateLimitGuard, LimitPerIp } from '../rate-limit/rate-limit.guard.js';
import { AuthService } from './auth.service.js';
import { CodeRequestedDto } from './dto/code-requested.dto.js';
import { RefreshTokenDto } from './dto/refresh-token.dto.js';
import { SignupDto } from './dto/signup.dto.js';
import { TokenResponseDto } from './dto/token-response.dto.js';
import { VerifyCodeDto } from './dto/verify-code.dto.js';

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
  @ApiResponse({ status: 400, type: ErrorBodyDto, description: 'VALIDATION_FAILED, INVALID_PHONE_NUMBER' })
  @ApiResponse({ status: 409, type: ErrorBodyDto, description: 'USERNAME_TAKEN' })
  @ApiResponse({ status: 429, type: ErrorBodyDto, description: 'RATE_LIMITED, TOO_MANY_ATTEMPTS (see Retry-After)' })
  signup(@Body() body: SignupDto): Promise<CodeRequestedDto> {
    return this.auth.requestCode(body.phone_number, body.username);
  }

  @Post('code')
  @HttpCode(HttpStatus.OK)
  @UseGuards(IpRateLimitGuard)
  @LimitPerIp('verify')
  @ApiOperation({
    summary: 'Sign in with the code',
    description: 'Creates the user on the first successful sign-in. Every failure is the same INVALID_CODE.',
  })
  @ApiResponse({ status: 200, type: TokenResponseDto })
  @ApiResponse({
    status: 400,
    type: ErrorBodyDto,
    description: 'VALIDATION_FAILED, INVALID_PHONE_NUMBER, INVALID_CODE',
  })
  @ApiResponse({ status: 429, type: ErrorBodyDto, description: 'TOO_MANY_ATTEMPTS, RATE_LIMITED (see Retry-After)' })
  verify(@Body() body: VerifyCodeDto): Promise<TokenResponseDto> {
    return this.auth.verifyCode(body.phone_number, body.code);
  }

  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Exchange a refresh token for new tokens',
    description: 'The old refresh token stops working.',
  })
  @ApiResponse({ status: 200, type: TokenResponseDto })
  @ApiResponse({ status: 401, type: ErrorBodyDto, description: 'INVALID_REFRESH_TOKEN' })
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
