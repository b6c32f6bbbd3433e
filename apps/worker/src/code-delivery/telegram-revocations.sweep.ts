import { Inject, Injectable, Logger } from '@nestjs/common';
import { PeriodicSweep } from '@app/platform';
import { SMS_TRANSPORTS } from './code-delivery.service.js';
import { CodeRequestsRepository } from './code-requests.repository.js';
import { TelegramTransport } from './gateways/telegram.transport.js';
import { SmsFailure, type SmsTransport } from './sms-transport.js';

const SWEEP_EVERY_MS = 2_000;
const BATCH = 100;

/**
 * Telegram Gateway's revokeVerificationMessage for a code that can no longer be
 * used (burned by wrong guesses, or replaced by a newer one): the person is not
 * left with a code that cannot work, and a message not delivered yet is not
 * delivered (Telegram keeps a delivered or read one). Idle unless SMS_TRANSPORT
 * includes telegram.
 */
@Injectable()
export class TelegramRevocationsSweep extends PeriodicSweep {
  protected readonly logger = new Logger(TelegramRevocationsSweep.name);
  private readonly telegram: TelegramTransport | null;

  constructor(
    private readonly requests: CodeRequestsRepository,
    @Inject(SMS_TRANSPORTS) transports: SmsTransport[],
  ) {
    super(SWEEP_EVERY_MS);
    this.telegram = transports.find((transport) => transport instanceof TelegramTransport) ?? null;
  }

  /** Answers how many messages it revoked. */
  async sweep(): Promise<number> {
    if (!this.telegram) return 0;
    let revoked = 0;
    for (const { id, provider_id: requestId } of await this.requests.claimRevocable(BATCH)) {
      try {
        if (await this.telegram.revoke(requestId)) revoked += 1;
      } catch (error) {
        // Not through: the next sweep tries again; refused for good: left claimed.
        const permanent = error instanceof SmsFailure && error.kind === 'permanent';
        if (!permanent) await this.requests.unrevoke(id);
        this.logger.warn({ attempt_id: id, err: error }, 'Telegram revokeVerificationMessage failed');
      }
    }
    return revoked;
  }
}
