import { Module } from '@nestjs/common';
import { SmsInboxController } from './sms-inbox.controller.js';
import { SmsInboxRepository } from './sms-inbox.repository.js';
import { SmsInboxService } from './sms-inbox.service.js';

@Module({ controllers: [SmsInboxController], providers: [SmsInboxService, SmsInboxRepository] })
export class DevModule {}
