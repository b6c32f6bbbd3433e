import { Module } from '@nestjs/common';
import { SmsInboxController } from './sms-inbox.controller.js';
import { SmsInboxRepository } from './sms-inbox.repository.js';
import { SmsInboxService } from './sms-inbox.service.js';
import { ThisMachineGuard } from './this-machine.guard.js';

@Module({ controllers: [SmsInboxController], providers: [SmsInboxService, SmsInboxRepository, ThisMachineGuard] })
export class DevModule {}
