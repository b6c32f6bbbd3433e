import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { otpMessageText, OtpKeyRing, phonePolicy } from '@app/domain';
import { AppConfig } from '@app/platform';
import { NO_TRANSPORT, WorkerMetrics } from '../metrics/worker-metrics.js';
import { CodeRequestsRepository } from './code-requests.repository.js';
import { planDelivery } from './delivery-plan.js';
import { SmsFailure, SmsTransport, type FailureKind } from './sms-transport.js';

export type DeliveryOutcome = 'delivered' | 'already-delivered' | 'dropped' | 'missing' | 'test-number';

/** The transports of SMS_TRANSPORT, in its order. */
export const SMS_TRANSPORTS = Symbol('sms transports');

/**
 * Delivers one code request through the transports of SMS_TRANSPORT, in order.
 * Safe to run any number of times for one request: a delivered request is not
 * sent again; a used, replaced, burned or expired one is dropped (its sealed
 * code erased); a transport that took the message, or may have, is never handed
 * it again (its attempts are recorded before the call), unless it drops repeats
 * itself. A transient failure moves on to the next transport, and when none
 * took it the job is retried with backoff; when every transport refused for
 * good (or may have taken it), the job fails at once and is kept.
 */
@Injectable()
export class CodeDeliveryService {
  private readonly logger = new Logger(CodeDeliveryService.name);
  private readonly keys: OtpKeyRing;
  private readonly keepsAttempts: boolean;

  constructor(
    private readonly requests: CodeRequestsRepository,
    private readonly config: AppConfig,
    @Inject(SMS_TRANSPORTS) private readonly transports: SmsTransport[],
    private readonly metrics: WorkerMetrics,
  ) {
    this.keys = OtpKeyRing.of(config);
    // Transports that drop repeats themselves need no record of their attempts.
    this.keepsAttempts = transports.some((transport) => !transport.idempotent);
  }

  /** `note` hears a line for each failed attempt and for a failover (the job's log, on the queue dashboard). */
  async deliver(codeRequestId: string, note: (line: string) => void = () => undefined): Promise<DeliveryOutcome> {
    const request = await this.requests.forDelivery(codeRequestId);
    if (!request) return 'missing';
    if (request.delivered_at) return 'already-delivered';
    if (request.status !== 'pending' || !request.live || !request.code_sealed) {
      await this.requests.eraseSealedCode(codeRequestId);
      this.metrics.smsDelivery(NO_TRANSPORT, 'dropped');
      return 'dropped';
    }

    const { exempt } = phonePolicy(request.phone_number, this.config.otp);
    if (exempt && this.transports.some((transport) => transport.name !== 'simulated')) {
      // Fixed-code numbers exist for monitoring and demos; a real gateway would bill for them.
      if ((await this.requests.markDelivered(codeRequestId)) !== null)
        this.metrics.smsDelivery(NO_TRANSPORT, 'delivered');
      return 'test-number';
    }

    const plan = planDelivery(this.transports, this.keepsAttempts ? await this.requests.attemptsOf(codeRequestId) : []);
    if ('accepted' in plan) {
      note(`${plan.accepted} took it on an earlier run`);
      return this.delivered(codeRequestId, plan.accepted);
    }

    const code = this.keys.unseal(codeRequestId, request.code_sealed);
    const message = {
      to: request.phone_number,
      text: otpMessageText(
        request.phone_change ? this.config.sms.phoneChangeMessage : this.config.sms.message,
        code,
        this.config.otp.ttlSeconds,
      ),
      reference: codeRequestId,
    };
    const failures: Array<{ transport: SmsTransport; kind: FailureKind; reason: string }> = [];
    for (const transport of this.transports.filter(({ name }) => plan.tryInOrder.includes(name))) {
      const recorded = !transport.idempotent;
      const attemptId = recorded ? await this.requests.startAttempt(codeRequestId, transport.name) : null;
      try {
        const { providerId } = await transport.send(message);
        if (attemptId) await this.requests.finishAttempt(attemptId, { state: 'accepted', providerId });
        // The plain case is the job's completion; a failover is worth a line.
        if (failures.length > 0) note(`${transport.name}: accepted${providerId ? ` as ${providerId}` : ''}`);
        return this.delivered(codeRequestId, transport.name);
      } catch (error) {
        const failure = error instanceof SmsFailure ? error : new SmsFailure('transient', (error as Error).message);
        if (attemptId) await this.requests.finishAttempt(attemptId, { state: failure.kind, error: failure.message });
        failures.push({ transport, kind: failure.kind, reason: failure.message });
        // An ambiguous hand-over (no answer) is transient as far as the gateway's health goes.
        this.metrics.smsDelivery(
          transport.name,
          failure.kind === 'permanent' ? 'permanent_failure' : 'transient_failure',
        );
        note(`${transport.name}: ${failure.kind}: ${failure.message}`);
        this.logger.warn(
          { code_request_id: codeRequestId, transport: transport.name, failure: failure.kind, reason: failure.message },
          'SMS transport failed',
        );
      }
    }

    const summary = failures.map(({ transport, kind, reason }) => `${transport.name} ${kind}: ${reason}`).join('; ');
    const retryable = failures.some(
      ({ transport, kind }) => kind === 'transient' || (kind === 'ambiguous' && transport.idempotent),
    );
    if (retryable) throw new Error(`no transport took the message, trying again later (${summary})`);
    throw new UnrecoverableError(`no transport can take the message (${summary || 'every transport is out'})`);
  }

  /** Records the delivery; counted once, by the run that recorded it. */
  private async delivered(codeRequestId: string, transport: string): Promise<DeliveryOutcome> {
    const seconds = await this.requests.markDelivered(codeRequestId);
    if (seconds === null) return 'already-delivered';
    this.metrics.smsDelivered(transport, seconds);
    return 'delivered';
  }
}
