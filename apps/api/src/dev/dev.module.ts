import { Module } from '@nestjs/common';
import { SmsInboxController } from './sms-inbox.controller.js';
import { SmsInboxService } from './sms-inbox.service.js';

@Module({ controllers: [SmsInboxController], providers: [SmsInboxService] })
export class DevModule {}
