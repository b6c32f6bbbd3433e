import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** A message of the simulated phone, as the statement writes it. */
export interface InboxMessage {
  to: string;
  text: string;
  sent_at: Date;
}

/** The simulated phone inbox's one read. */
@Injectable()
export class SmsInboxRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The newest messages to a phone, newest first. */
  newestTo(phoneNumber: string, limit: number): Promise<InboxMessage[]> {
    return this.db.query(
      'SELECT to_phone AS "to", text, sent_at FROM sms_messages WHERE to_phone = $1 ORDER BY sent_at DESC, id DESC LIMIT $2',
      [phoneNumber, limit],
    );
  }
}
