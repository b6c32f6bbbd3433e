import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig, deriveOtpKeys, otpMessageText, preparedRows, unsealOtp, type OtpKeys } from '@app/domain';
import { SmsTransport } from './sms-transport.js';

export type DeliveryOutcome = 'delivered' | 'already-delivered' | 'dropped' | 'missing' | 'test-number';

interface RequestRow {
  phone_number: string;
  code_sealed: Buffer | null;
  status: string;
  live: boolean;
  delivered_at: Date | null;
}

const READ_REQUEST = {
  name: 'delivery_read_v1',
  text: `SELECT phone_number, code_sealed, status, expires_at > now() AS live, delivered_at
           FROM code_requests WHERE id = $1`,
};
const DROP_SEALED_CODE = {
  name: 'delivery_drop_v1',
  text: 'UPDATE code_requests SET code_sealed = NULL WHERE id = $1 AND code_sealed IS NOT NULL',
};
const MARK_DELIVERED = {
  name: 'delivery_done_v1',
  text: 'UPDATE code_requests SET delivered_at = now(), code_sealed = NULL WHERE id = $1 AND delivered_at IS NULL',
};

/**
 * Delivers one code request. Safe to run any number of times for one request:
 * a delivered request is not sent again, a used, replaced, burned or expired
 * one is dropped (and its sealed code erased), and the transports themselves
 * refuse a second message for one request.
 */
@Injectable()
export class CodeDeliveryService {
  private readonly logger = new Logger(CodeDeliveryService.name);
  private readonly keys: OtpKeys;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly transport: SmsTransport,
  ) {
    this.keys = deriveOtpKeys(config.jwt.secret);
  }

  async deliver(codeRequestId: string): Promise<DeliveryOutcome> {
    const [request] = await preparedRows<RequestRow>(this.db, READ_REQUEST, [codeRequestId]);
    if (!request) return 'missing';
    if (request.delivered_at) return 'already-delivered';
    if (request.status !== 'pending' || !request.live || !request.code_sealed) {
      await preparedRows(this.db, DROP_SEALED_CODE, [codeRequestId]);
      return 'dropped';
    }

    const isTestNumber = this.config.otp.testNumbers.has(request.phone_number);
    if (isTestNumber && this.transport.name !== 'simulated') {
      // Fixed-code numbers exist for monitoring and demos; a real gateway would bill for them.
      await this.markDelivered(codeRequestId);
      return 'test-number';
    }

    const code = unsealOtp(this.keys.sealKey, codeRequestId, request.code_sealed);
    await this.transport.send({
      to: request.phone_number,
      text: otpMessageText(code, this.config.otp.ttlSeconds),
      reference: codeRequestId,
    });
    await this.markDelivered(codeRequestId);
    return 'delivered';
  }

  private async markDelivered(codeRequestId: string): Promise<void> {
    await preparedRows(this.db, MARK_DELIVERED, [codeRequestId]);
  }
}
