import { Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DomainError, ErrorCode, isUuid } from '@app/domain';
import { ApiErrors } from '../common/api-errors.decorator.js';
import type { AuthUser } from './auth-user.js';
import { CurrentUser } from './current-user.decorator.js';
import { SessionsDto, SessionsEndedDto } from './dto/sessions.dto.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { NotCached } from './not-cached.decorator.js';
import { TokensService } from './tokens.service.js';

/** SPEC section 12: where a person is signed in, and signing out a device. */
@ApiTags('sessions')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard)
@Controller('users/me/sessions')
export class SessionsController {
  constructor(private readonly tokens: TokensService) {}

  @Get()
  @NotCached()
  @ApiOperation({
    summary: 'Where the caller is signed in',
    description: 'Live sessions: the device, the address, when signed in and last used; `current` marks this one.',
  })
  @ApiResponse({ status: 200, type: SessionsDto })
  async list(@CurrentUser() caller: AuthUser): Promise<SessionsDto> {
    const rows = await this.tokens.listSessions(caller.id);
    return {
      items: rows.map((row) => ({
        id: row.id,
        device: row.device ?? 'Unknown device',
        user_agent: row.user_agent,
        ip_address: row.ip_address,
        created_at: row.created_at.toISOString(),
        last_used_at: row.last_used_at.toISOString(),
        expires_at: row.expires_at.toISOString(),
        current: row.id === caller.sessionId,
      })),
    };
  }

  @Post('revoke-others')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Sign out every other device',
    description: 'Ends every session of the caller but this one; their access tokens stop working at once.',
  })
  @ApiResponse({ status: 200, type: SessionsEndedDto })
  async revokeOthers(@CurrentUser() caller: AuthUser): Promise<SessionsEndedDto> {
    return { ended: await this.tokens.endOtherSessions(caller.id, caller.sessionId) };
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'End one session',
    description: 'Its refresh token and access tokens stop working at once. Ending this one signs the caller out.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 204 })
  @ApiErrors(ErrorCode.SESSION_NOT_FOUND)
  async end(@CurrentUser() caller: AuthUser, @Param('id') id: string): Promise<void> {
    if (!isUuid(id)) throw new DomainError(ErrorCode.SESSION_NOT_FOUND);
    await this.tokens.endSession(caller.id, id);
  }
}
