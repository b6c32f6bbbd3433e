import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomInt } from 'node:crypto';
import { AppConfig } from '@app/platform';
import { CodeRequestsRepository } from './code-requests.repository.js';
import { SmsTransport, type OutgoingSms } from './sms-transport.js';

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
  readonly idempotent = true;

  constructor(
    private readonly requests: CodeRequestsRepository,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async send(message: OutgoingSms): Promise<{ providerId: null }> {
    const { min, max } = this.config.sms.delayMs;
    await sleep(min === max ? min : randomInt(min, max + 1));
    await this.requests.fileInInbox(message.reference, message.to, message.text);
    return { providerId: null };
  }
}
