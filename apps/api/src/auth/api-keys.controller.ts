import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DomainError, ErrorCode, isUuid } from '@app/domain';
import type { ApiKeyRecord } from '@app/platform';
import { ApiKeysRepository } from './account-keys.repository.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import type { AuthUser } from './auth-user.js';
import { CurrentUser } from './current-user.decorator.js';
import { ApiKeyDto, ApiKeysDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/api-keys.dto.js';
import { AdminOnly, JwtAuthGuard } from './jwt-auth.guard.js';
import { NotCached } from './not-cached.decorator.js';

const toDto = (record: ApiKeyRecord): ApiKeyDto => ({
  id: record.id,
  name: record.name,
  key_id: record.key_id,
  scopes: record.scopes,
  created_by: record.created_by,
  created_at: record.created_at.toISOString(),
  last_used_at: record.last_used_at?.toISOString() ?? null,
  revoked_at: record.revoked_at?.toISOString() ?? null,
});

/**
 * SPEC section 12: the host backend's keys, managed by an admin person (a key
 * cannot make or revoke keys: these routes name no scope). `npm run api-keys`
 * does the same from a shell.
 */
@ApiTags('api-keys')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard)
@AdminOnly()
@Controller('admin/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysRepository) {}

  @Post()
  @NotCached()
  @ApiOperation({ summary: 'Make an API key (admins)', description: 'The key is in this answer only.' })
  @ApiResponse({ status: 201, type: CreatedApiKeyDto })
  @ApiErrors(ErrorCode.FORBIDDEN)
  async create(@CurrentUser() caller: AuthUser, @Body() body: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const { key, record } = await this.keys.create(body.name, body.scopes, `admin:${caller.id}`);
    return { ...toDto(record), key };
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (admins)', description: 'Never their secrets.' })
  @ApiResponse({ status: 200, type: ApiKeysDto })
  @ApiErrors(ErrorCode.FORBIDDEN)
  async list(): Promise<ApiKeysDto> {
    return { items: (await this.keys.list()).map(toDto) };
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Revoke an API key (admins)', description: 'Its next request is refused 401.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 204 })
  @ApiErrors(ErrorCode.FORBIDDEN, ErrorCode.API_KEY_NOT_FOUND)
  async revoke(@Param('id') id: string): Promise<void> {
    if (!isUuid(id) || !(await this.keys.revoke(id))) throw new DomainError(ErrorCode.API_KEY_NOT_FOUND);
  }
}
