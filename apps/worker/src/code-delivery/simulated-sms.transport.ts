import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomInt } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AppConfig, preparedRows } from '@app/domain';
import { SmsTransport, type OutgoingSms } from './sms-transport.js';

const DELIVER_TO_INBOX = {
  name: 'inbox_deliver_v1',
  text: `INSERT INTO sms_messages (code_request_id, to_phone, text)
         SELECT id, $2, $3 FROM code_requests WHERE id = $1 AND status = 'pending' AND expires_at > now()
         ON CONFLICT (code_request_id) DO NOTHING`,
};

/**
 * A stand-in SMS gateway: takes SMS_DELAY_MS (1-2 s by default, random, like a
 * real one) and then drops the message in the simulated phone inbox.
 *
 * The message lands only if its code is still the phone's live code when the
 * wait ends, so a code replaced or expired while "in flight" never shows up to
 * confuse the person; and at most once per code request, by a unique index.
 */
@Injectable()
export class SimulatedSmsTransport extends SmsTransport {
  readonly name = 'simulated';

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async send(message: OutgoingSms): Promise<void> {
    const { min, max } = this.config.sms.delayMs;
    await sleep(min === max ? min : randomInt(min, max + 1));
    await preparedRows(this.db, DELIVER_TO_INBOX, [message.reference, message.to, message.text]);
  }
}
