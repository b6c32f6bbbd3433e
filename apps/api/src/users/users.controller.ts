import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser, TokenHolder } from '../auth/auth-user.js';
import { CurrentUser, TokenHolderParam } from '../auth/current-user.decorator.js';
import { AdminOnly, JwtAuthGuard, KeyScope, SessionCheckedInQuery } from '../auth/jwt-auth.guard.js';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator.js';
import { ClientDevice } from '../auth/session-device.js';
import type { SessionDevice } from '../auth/sessions.repository.js';
import { ErrorCode } from '@app/domain';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { PageQueryDto } from '../common/keyset.js';
import { ReferralsPageDto } from '../referral/dto/referrals-page.dto.js';
import { CreateUserDto } from './dto/create-user.dto.js';
import { ProfileResponseDto, UsersPageDto } from './dto/profile-response.dto.js';
import { ReplaceUserDto, UpdateUserDto } from './dto/update-user.dto.js';
import { UsersService } from './users.service.js';

const USERNAME_PARAM = {
  name: 'username',
  description: 'A username, or `me` for the caller. Other users’ are for admins only.',
  example: 'me',
};
/** Another user's, for a caller who is no admin (whether or not the username exists), or a missing one, for admins. */
const OTHER_USER_ERRORS = [ErrorCode.FORBIDDEN, ErrorCode.USER_NOT_FOUND];
const CHANGE_ERRORS = [
  ...OTHER_USER_ERRORS,
  ErrorCode.USERNAME_TAKEN,
  ErrorCode.REFERRAL_ALREADY_ACTIVATED,
  ErrorCode.REFERRAL_CODE_NOT_FOUND,
  ErrorCode.REFERRAL_SELF,
  ErrorCode.REFERRAL_CYCLE,
  // Renames: a few per user per hour.
  ErrorCode.RATE_LIMITED,
];

@ApiTags('users')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard)
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @AdminOnly('users:read')
  @ApiKeyAuth('users:read')
  @ApiOperation({ summary: 'List users (admins)', description: 'Newest first, keyset-paginated.' })
  @ApiResponse({ status: 200, type: UsersPageDto })
  @ApiErrors(ErrorCode.FORBIDDEN)
  list(@Query() query: PageQueryDto): Promise<UsersPageDto> {
    return this.users.listUsers(query);
  }

  @Post()
  @AdminOnly('users:write')
  @ApiKeyAuth('users:write')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Create a user (admins)', description: 'The user gets an invite code like any other.' })
  @ApiResponse({ status: 201, type: ProfileResponseDto })
  @ApiErrors(
    ErrorCode.FORBIDDEN,
    ErrorCode.INVALID_PHONE_NUMBER,
    ErrorCode.PHONE_NUMBER_TAKEN,
    ErrorCode.USERNAME_TAKEN,
  )
  create(@Body() body: CreateUserDto): Promise<ProfileResponseDto> {
    return this.users.createUser(body);
  }

  @Get('me')
  @SessionCheckedInQuery()
  @ApiOperation({
    summary: 'The caller’s profile',
    description: 'With the newest 100 users who activated the caller’s code.',
  })
  @ApiResponse({ status: 200, type: ProfileResponseDto })
  me(@TokenHolderParam() holder: TokenHolder): Promise<ProfileResponseDto> {
    return this.users.getOwnProfile(holder);
  }

  @Get(':username')
  @KeyScope('users:read')
  @ApiKeyAuth('users:read')
  @ApiOperation({ summary: 'A user’s profile', description: 'With the newest 100 users who activated their code.' })
  @ApiParam(USERNAME_PARAM)
  @ApiResponse({ status: 200, type: ProfileResponseDto })
  @ApiErrors(...OTHER_USER_ERRORS)
  get(@CurrentUser() caller: AuthUser, @Param('username') username: string): Promise<ProfileResponseDto> {
    return this.users.getProfile(caller, username);
  }

  @Get(':username/referrals')
  @KeyScope('users:read')
  @ApiKeyAuth('users:read')
  @ApiOperation({ summary: 'Everyone who activated the user’s code', description: 'Newest first, keyset-paginated.' })
  @ApiParam(USERNAME_PARAM)
  @ApiResponse({ status: 200, type: ReferralsPageDto })
  @ApiErrors(...OTHER_USER_ERRORS)
  referrals(
    @CurrentUser() caller: AuthUser,
    @Param('username') username: string,
    @Query() query: PageQueryDto,
  ): Promise<ReferralsPageDto> {
    return this.users.listReferrals(caller, username, query);
  }

  @Patch(':username')
  @KeyScope('users:write')
  @ApiKeyAuth('users:write')
  @ApiOperation({
    summary: 'Change the username or activate an invite code',
    description:
      'Activating the same code again is a harmless no-op. Other fields are refused with 400. ' +
      'A user renames themselves at most 5 times an hour (a refused rename counts too), then 429 with Retry-After.',
  })
  @ApiParam(USERNAME_PARAM)
  @ApiResponse({ status: 200, type: ProfileResponseDto })
  @ApiErrors(...CHANGE_ERRORS)
  update(
    @CurrentUser() caller: AuthUser,
    @Param('username') username: string,
    @Body() body: UpdateUserDto,
    @ClientDevice() device: SessionDevice,
  ): Promise<ProfileResponseDto> {
    return this.users.updateUser(caller, username, body, device.ipAddress);
  }

  @Put(':username')
  @KeyScope('users:write')
  @ApiKeyAuth('users:write')
  @ApiOperation({ summary: 'Replace the writable fields', description: 'As PATCH, with `username` required.' })
  @ApiParam(USERNAME_PARAM)
  @ApiResponse({ status: 200, type: ProfileResponseDto })
  @ApiErrors(...CHANGE_ERRORS)
  replace(
    @CurrentUser() caller: AuthUser,
    @Param('username') username: string,
    @Body() body: ReplaceUserDto,
    @ClientDevice() device: SessionDevice,
  ): Promise<ProfileResponseDto> {
    return this.users.updateUser(caller, username, body, device.ipAddress);
  }

  @Delete(':username')
  @KeyScope('users:write')
  @ApiKeyAuth('users:write')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete a user',
    description: 'Their tokens stop working at once; their invitees keep the code they activated.',
  })
  @ApiParam(USERNAME_PARAM)
  @ApiResponse({ status: 204 })
  @ApiErrors(...OTHER_USER_ERRORS)
  remove(@CurrentUser() caller: AuthUser, @Param('username') username: string): Promise<void> {
    return this.users.deleteUser(caller, username);
  }
}
