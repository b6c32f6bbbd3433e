import { Injectable } from '@nestjs/common';
import { AppConfig, deriveOtpKeys, otpMessageText, unsealOtp, type OtpKeys } from '@app/domain';
import { CodeRequestsRepository } from './code-requests.repository.js';
import { SmsTransport } from './sms-transport.js';

export type DeliveryOutcome = 'delivered' | 'already-delivered' | 'dropped' | 'missing' | 'test-number';

/**
 * Delivers one code request. Safe to run any number of times for one request:
 * a delivered request is not sent again, a used, replaced, burned or expired
 * one is dropped (and its sealed code erased), and the transports themselves
 * refuse a second message for one request.
 */
@Injectable()
export class CodeDeliveryService {
  private readonly keys: OtpKeys;

  constructor(
    private readonly requests: CodeRequestsRepository,
    private readonly config: AppConfig,
    private readonly transport: SmsTransport,
  ) {
    this.keys = deriveOtpKeys(config.jwt.secret);
  }

  async deliver(codeRequestId: string): Promise<DeliveryOutcome> {
    const request = await this.requests.forDelivery(codeRequestId);
    if (!request) return 'missing';
    if (request.delivered_at) return 'already-delivered';
    if (request.status !== 'pending' || !request.live || !request.code_sealed) {
      await this.requests.eraseSealedCode(codeRequestId);
      return 'dropped';
    }

    const isTestNumber = this.config.otp.testNumbers.has(request.phone_number);
    if (isTestNumber && this.transport.name !== 'simulated') {
      // Fixed-code numbers exist for monitoring and demos; a real gateway would bill for them.
      await this.requests.markDelivered(codeRequestId);
      return 'test-number';
    }

    const code = unsealOtp(this.keys.sealKey, codeRequestId, request.code_sealed);
    await this.transport.send({
      to: request.phone_number,
      text: otpMessageText(code, this.config.otp.ttlSeconds),
      reference: codeRequestId,
    });
    return (await this.requests.markDelivered(codeRequestId)) ? 'delivered' : 'already-delivered';
  }
}
