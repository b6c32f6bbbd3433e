import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig, normalizePhoneNumber, sqlRows } from '@app/domain';
import type { SmsInboxResponseDto } from './sms-inbox.dto.js';

@Injectable()
export class SmsInboxService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
  ) {}

  async list(rawPhone: string): Promise<SmsInboxResponseDto> {
    const phoneNumber = normalizePhoneNumber(rawPhone, this.config.defaultPhoneRegion);
    const rows = await sqlRows<{ to_phone: string; text: string; sent_at: Date }>(
      this.db,
      `SELECT to_phone, text, sent_at FROM sms_messages WHERE to_phone = $1 ORDER BY sent_at DESC, id DESC LIMIT 20`,
      [phoneNumber],
    );
    return { items: rows.map((row) => ({ to: row.to_phone, text: row.text, sent_at: row.sent_at.toISOString() })) };
  }
}
