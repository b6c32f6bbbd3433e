import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '@app/domain';
import { NotCached } from '../auth/not-cached.decorator.js';
import { ClientDevice } from '../auth/session-device.js';
import type { SessionDevice } from '../auth/sessions.repository.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { BotChecked, CheckForBots } from '../bot-check/bot-check.guard.js';
import { LimitPerIp } from '../rate-limit/ip-throttler.guard.js';
import { CodeRequestedDto } from './dto/code-requested.dto.js';
import { SignedInDto } from './dto/signed-in.dto.js';
import { SignupDto } from './dto/signup.dto.js';
import { VerifyCodeDto } from './dto/verify-code.dto.js';
import { SignInService } from './sign-in.service.js';

@ApiTags('auth')
@Controller('auth')
export class SignInController {
  constructor(private readonly signIn: SignInService) {}

  @Post('signup')
  @HttpCode(HttpStatus.ACCEPTED)
  @LimitPerIp('signup')
  // Below LimitPerIp, so it runs before it: a request the bot check refuses spends no limit.
  @CheckForBots()
  @ApiOperation({
    summary: 'Ask for a sign-in code',
    description:
      'Queues a message with a 4-digit code (SMS, WhatsApp or Telegram, in the deployment’s order, the ' +
      'preferred channel first) and answers at once, the same way for known and unknown numbers. When the ' +
      'deployment asks for a bot check, its token goes first, before any limit is counted. ' +
      'One code per number per minute, five per hour; the deployment, each country and each block of 1,000 numbers ' +
      'have hourly budgets against SMS pumping.',
  })
  @ApiResponse({ status: 202, type: CodeRequestedDto })
  @ApiErrors(
    ErrorCode.INVALID_PHONE_NUMBER,
    ErrorCode.BOT_CHECK_FAILED,
    ErrorCode.USERNAME_TAKEN,
    ErrorCode.PHONE_COUNTRY_NOT_ALLOWED,
    ErrorCode.RATE_LIMITED,
    ErrorCode.TOO_MANY_ATTEMPTS,
    ErrorCode.SMS_BUDGET_EXCEEDED,
    ErrorCode.SERVICE_UNAVAILABLE,
  )
  signup(@Body() body: SignupDto, @BotChecked() botChecked: boolean): Promise<CodeRequestedDto> {
    return this.signIn.requestCode(body.phone_number, body.username, {
      locale: body.locale,
      channel: body.channel,
      botChecked,
    });
  }

  @Post('code')
  @HttpCode(HttpStatus.OK)
  @NotCached()
  @LimitPerIp('verify')
  @ApiOperation({
    summary: 'Sign in with the code',
    description:
      'Creates the user on the first successful sign-in. Every failure is the same INVALID_CODE. ' +
      'With `referral_code` (from an invite link) a new user, or one who has activated no code yet, activates it ' +
      'in the same transaction; a code that cannot be activated never blocks the sign-in: `referral` says why.',
  })
  @ApiResponse({ status: 200, type: SignedInDto })
  @ApiErrors(
    ErrorCode.INVALID_PHONE_NUMBER,
    ErrorCode.INVALID_CODE,
    ErrorCode.TOO_MANY_ATTEMPTS,
    ErrorCode.RATE_LIMITED,
  )
  verify(@Body() body: VerifyCodeDto, @ClientDevice() device: SessionDevice): Promise<SignedInDto> {
    return this.signIn.verifyCode(body.phone_number, body.code, body.referral_code, {
      ...device,
      deviceId: body.device_id ?? null,
    });
  }
}
