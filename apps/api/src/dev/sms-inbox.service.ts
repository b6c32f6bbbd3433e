import { Injectable } from '@nestjs/common';
import { normalizePhoneNumber } from '@app/domain';
import { AppConfig } from '@app/platform';
import type { SmsInboxResponseDto } from './sms-inbox.dto.js';
import { SmsInboxRepository } from './sms-inbox.repository.js';

const INBOX_SIZE = 20;

@Injectable()
export class SmsInboxService {
  constructor(
    private readonly inbox: SmsInboxRepository,
    private readonly config: AppConfig,
  ) {}

  async list(rawPhone: string): Promise<SmsInboxResponseDto> {
    const phoneNumber = normalizePhoneNumber(rawPhone, this.config.defaultPhoneRegion);
    const messages = await this.inbox.newestTo(phoneNumber, INBOX_SIZE);
    return {
      items: messages.map((message) => ({
        to: message.to,
        text: message.text,
        sent_at: message.sent_at.toISOString(),
      })),
    };
  }
}
