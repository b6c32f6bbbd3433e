import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { SmsMessageEntity } from '@app/platform';

/** The simulated phone inbox's one read. */
@Injectable()
export class SmsInboxRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The newest messages to a phone, newest first. */
  newestTo(phoneNumber: string, limit: number): Promise<SmsMessageEntity[]> {
    return this.db.manager.find(SmsMessageEntity, {
      where: { to: phoneNumber },
      order: { sentAt: 'DESC', id: 'DESC' },
      take: limit,
    });
  }
}
