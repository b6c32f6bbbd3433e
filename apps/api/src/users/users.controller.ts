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
import { JwtAuthGuard, SessionCheckedInQuery } from '../auth/jwt-auth.guard.js';
import { ErrorBodyDto } from '../common/error-body.js';
import { PageQueryDto, ReferralsPageDto } from '../referral/dto/referrals-page.dto.js';
import { CreateUserDto } from './dto/create-user.dto.js';
import { ProfileResponseDto, UsersPageDto } from './dto/profile-response.dto.js';
import { ReplaceUserDto, UpdateUserDto } from './dto/update-user.dto.js';
import { UsersService } from './users.service.js';

const USERNAME_PARAM = {
  name: 'username',
  description: 'A username, or `me` for the caller. Other users’ are for admins only.',
  example: 'me',
};
const ACTIVATION_ERRORS =
  'REFERRAL_ALREADY_ACTIVATED (409), REFERRAL_CODE_NOT_FOUND, REFERRAL_SELF, REFERRAL_CYCLE (422), USERNAME_TAKEN (409)';

@ApiTags('users')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard)
@ApiResponse({ status: 401, type: ErrorBodyDto, description: 'UNAUTHORIZED' })
@ApiResponse({ status: 403, type: ErrorBodyDto, description: 'FORBIDDEN: another user’s, and the caller is no admin' })
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: 'List users (admins)', description: 'Newest first, keyset-paginated.' })
  @ApiResponse({ status: 200, type: UsersPageDto })
  list(@CurrentUser() caller: AuthUser, @Query() query: PageQueryDto): Promise<UsersPageDto> {
    return this.users.listUsers(caller, query);
  }

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Create a user (admins)', description: 'The user gets an invite code like any other.' })
  @ApiResponse({ status: 201, type: ProfileResponseDto })
  @ApiResponse({ status: 409, type: ErrorBodyDto, description: 'PHONE_NUMBER_TAKEN, USERNAME_TAKEN' })
  create(@CurrentUser() caller: AuthUser, @Body() body: CreateUserDto): Promise<ProfileResponseDto> {
    return this.users.createUser(caller, body);
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
  @ApiOperation({ summary: 'A user’s profile', description: 'With the newest 100 users who activated their code.' })
  @ApiParam(USERNAME_PARAM)
  @ApiResponse({ status: 200, type: ProfileResponseDto })
  @ApiResponse({ status: 404, type: ErrorBodyDto, description: 'USER_NOT_FOUND (admins)' })
  get(@CurrentUser() caller: AuthUser, @Param('username') username: string): Promise<ProfileResponseDto> {
    return this.users.getProfile(caller, username);
  }

  @Get(':username/referrals')
  @ApiOperation({ summary: 'Everyone who activated the user’s code', description: 'Newest first, keyset-paginated.' })
  @ApiParam(USERNAME_PARAM)
  @ApiResponse({ status: 200, type: ReferralsPageDto })
  referrals(
    @CurrentUser() caller: AuthUser,
    @Param('username') username: string,
    @Query() query: PageQueryDto,
  ): Promise<ReferralsPageDto> {
    return this.users.listReferrals(caller, username, query);
  }

  @Patch(':username')
  @ApiOperation({
    summary: 'Change the username or activate an invite code',
    description: 'Activating the same code again is a harmless no-op. Other fields are refused with 400.',
  })
  @ApiParam(USERNAME_PARAM)
  @ApiResponse({ status: 200, type: ProfileResponseDto })
  @ApiResponse({ status: 409, type: ErrorBodyDto, description: ACTIVATION_ERRORS })
  @ApiResponse({ status: 422, type: ErrorBodyDto, description: ACTIVATION_ERRORS })
  update(
    @CurrentUser() caller: AuthUser,
    @Param('username') username: string,
    @Body() body: UpdateUserDto,
  ): Promise<ProfileResponseDto> {
    return this.users.updateUser(caller, username, body);
  }

  @Put(':username')
  @ApiOperation({ summary: 'Replace the writable fields', description: 'As PATCH, with `username` required.' })
  @ApiParam(USERNAME_PARAM)
  @ApiResponse({ status: 200, type: ProfileResponseDto })
  @ApiResponse({ status: 409, type: ErrorBodyDto, description: ACTIVATION_ERRORS })
  @ApiResponse({ status: 422, type: ErrorBodyDto, description: ACTIVATION_ERRORS })
  replace(
    @CurrentUser() caller: AuthUser,
    @Param('username') username: string,
    @Body() body: ReplaceUserDto,
  ): Promise<ProfileResponseDto> {
    return this.users.updateUser(caller, username, body);
  }

  @Delete(':username')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete a user',
    description: 'Their tokens stop working at once; their invitees keep the code they activated.',
  })
  @ApiParam(USERNAME_PARAM)
  @ApiResponse({ status: 204 })
  remove(@CurrentUser() caller: AuthUser, @Param('username') username: string): Promise<void> {
    return this.users.deleteUser(caller, username);
  }
}
