import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '@app/domain';
import { AdminOnly, JwtAuthGuard } from '../auth/jwt-auth.guard.js';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { EndpointDto, EventsPageDto, EventsQueryDto, RedeliveryDto } from './dto/events.dto.js';
import { EventsService } from './events.service.js';

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard)
@AdminOnly('events:admin')
@ApiKeyAuth('events:admin')
@Controller('admin/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get()
  @ApiOperation({
    summary: 'Events for the host app, by status (admins)',
    description: 'Each with its delivery attempts; newest first, keyset-paginated.',
  })
  @ApiResponse({ status: 200, type: EventsPageDto })
  @ApiErrors(ErrorCode.FORBIDDEN)
  list(@Query() query: EventsQueryDto): Promise<EventsPageDto> {
    return this.events.list(query);
  }

  @Post('endpoint/enable')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Enable the events endpoint again (admins)',
    description: 'After a 410 Gone disabled it; the pending events are queued again.',
  })
  @ApiResponse({ status: 200, type: EndpointDto })
  @ApiErrors(ErrorCode.FORBIDDEN)
  enable(): Promise<EndpointDto> {
    return this.events.enableEndpoint();
  }

  @Post(':id/redeliver')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Send an event again (admins)',
    description: 'Delivered, failed or pending: it is queued now, with the same `webhook-id`.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 202, type: RedeliveryDto })
  @ApiErrors(ErrorCode.FORBIDDEN, ErrorCode.EVENT_NOT_FOUND)
  redeliver(@Param('id') id: string): Promise<RedeliveryDto> {
    return this.events.redeliver(id);
  }
}
