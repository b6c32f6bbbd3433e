import { Body, Controller, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '@app/domain';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { JwtAuthGuard } from '../auth/jwt-auth.guard.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { LimitPerIp } from '../rate-limit/ip-throttler.guard.js';
import { ProfileResponseDto } from '../users/dto/profile-response.dto.js';
import { UsersService } from '../users/users.service.js';
import { CodeRequestedDto } from './dto/code-requested.dto.js';
import { PhoneChangeConfirmDto, PhoneChangeDto } from './dto/phone-change.dto.js';
import { PhoneChangeService } from './sign-in.service.js';

/** SPEC section 12: moving the account to another number, proved by a code sent there. */
@ApiTags('users')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard)
@Controller('users/me/phone')
export class PhoneChangeController {
  constructor(
    private readonly phoneChange: PhoneChangeService,
    private readonly users: UsersService,
  ) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @LimitPerIp('signup')
  @ApiOperation({
    summary: 'Ask for a code to a new number',
    description:
      'Needs a sign-in within PHONE_CHANGE_REAUTH_SECONDS (10 minutes); else 403 REAUTHENTICATION_REQUIRED: ' +
      'sign in again with a code. Every rule of a sign-in code applies to the new number (one a minute, five an hour, ' +
      'the budgets, the countries). The answer is the same whether or not the number has an account.',
  })
  @ApiResponse({ status: 202, type: CodeRequestedDto })
  @ApiErrors(
    ErrorCode.REAUTHENTICATION_REQUIRED,
    ErrorCode.INVALID_PHONE_NUMBER,
    ErrorCode.PHONE_COUNTRY_NOT_ALLOWED,
    ErrorCode.RATE_LIMITED,
    ErrorCode.TOO_MANY_ATTEMPTS,
    ErrorCode.SMS_BUDGET_EXCEEDED,
  )
  request(@CurrentUser() caller: AuthUser, @Body() body: PhoneChangeDto): Promise<CodeRequestedDto> {
    return this.phoneChange.request(caller, body.phone_number);
  }

  @Post('confirm')
  @HttpCode(HttpStatus.OK)
  @LimitPerIp('verify')
  @ApiOperation({
    summary: 'Move the account to the new number',
    description:
      'With the code sent to it: in one transaction the account takes the number, every other session ends and ' +
      '`user.phone_changed` is recorded; the old number is free for a new account. A wrong code is INVALID_CODE, ' +
      'as at sign-in; a number another account took meanwhile is PHONE_NUMBER_TAKEN.',
  })
  @ApiResponse({ status: 200, type: ProfileResponseDto })
  @ApiErrors(
    ErrorCode.INVALID_PHONE_NUMBER,
    ErrorCode.INVALID_CODE,
    ErrorCode.TOO_MANY_ATTEMPTS,
    ErrorCode.PHONE_NUMBER_TAKEN,
    ErrorCode.RATE_LIMITED,
  )
  async confirm(@CurrentUser() caller: AuthUser, @Body() body: PhoneChangeConfirmDto): Promise<ProfileResponseDto> {
    await this.phoneChange.confirm(caller, body.phone_number, body.code);
    return this.users.getOwnProfile(caller);
  }
}
