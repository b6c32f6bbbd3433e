import { Controller, Delete, Get, HttpCode, HttpStatus, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { JwtAuthGuard } from '../auth/jwt-auth.guard.js';
import { ErrorBodyDto } from '../common/error-body.js';
import { ProfileResponseDto } from './dto/profile-response.dto.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard)
@ApiResponse({ status: 401, type: ErrorBodyDto, description: 'UNAUTHORIZED' })
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @ApiOperation({ summary: 'The caller’s profile' })
  @ApiResponse({ status: 200, type: ProfileResponseDto })
  me(@CurrentUser() user: AuthUser): Promise<ProfileResponseDto> {
    return this.users.getProfile(user.id);
  }

  @Delete('me')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete the caller', description: 'Their tokens stop working at once.' })
  @ApiResponse({ status: 204 })
  deleteMe(@CurrentUser() user: AuthUser): Promise<void> {
    return this.users.deleteUser(user.id);
  }
}
