import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '@app/domain';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { SmsInboxQueryDto, SmsInboxResponseDto } from './sms-inbox.dto.js';
import { SmsInboxService } from './sms-inbox.service.js';
import { ThisMachineGuard } from './this-machine.guard.js';

/** Mounted only with SMS_TRANSPORT=simulated, which production refuses; answers this machine only. */
@ApiTags('dev')
@Controller('dev/sms')
@UseGuards(ThisMachineGuard)
export class SmsInboxController {
  constructor(private readonly inbox: SmsInboxService) {}

  @Get()
  @ApiOperation({
    summary: 'Simulated phone inbox',
    description:
      'Messages the simulated SMS gateway delivered to this number, newest first. Development only, and only to ' +
      'connections from the machine itself (or DEV_INBOX_FROM).',
  })
  @ApiResponse({ status: 200, type: SmsInboxResponseDto })
  @ApiErrors(ErrorCode.INVALID_PHONE_NUMBER, ErrorCode.FORBIDDEN)
  list(@Query() query: SmsInboxQueryDto): Promise<SmsInboxResponseDto> {
    return this.inbox.list(query.phone_number);
  }
}
