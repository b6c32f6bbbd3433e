import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { otpMessageText, OtpKeyRing, phoneCountry, phonePolicy, pickMessage } from '@app/domain';
import { AppConfig, transportOrder } from '@app/platform';
import { NO_TRANSPORT, WorkerMetrics } from '../metrics/worker-metrics.js';
import { CodeRequestsRepository, type RequestForDelivery } from './code-requests.repository.js';
import { planDelivery } from './delivery-plan.js';
import { type OutgoingSms, SmsFailure, SmsTransport, type FailureKind } from './sms-transport.js';

export type DeliveryOutcome = 'delivered' | 'already-delivered' | 'dropped' | 'missing' | 'test-number';

/** The transports of SMS_TRANSPORT, in its order. */
export const SMS_TRANSPORTS = Symbol('sms transports');

/** The gateways that report what became of a message (docs/sms.md, receipts). */
const REPORTING = new Set(['twilio', 'vonage', 'smsru', 'whatsapp', 'telegram']);

type Failure = { transport: SmsTransport; kind: FailureKind; reason: string };

/**
 * Delivers one code request through the transports of SMS_TRANSPORT, in order
 * (the sign-up's preferred channel first: transportOrder).
 * Safe to run any number of times for one request: a delivered request is not
 * sent again; a used, replaced, burned or expired one is dropped (its sealed
 * code erased); a transport that took the message, or may have, is never handed
 * it again (its attempts are recorded before the call), unless it drops repeats
 * itself. A transient failure moves on to the next transport, and when none
 * took it the job is retried with backoff; when every transport refused for
 * good (or may have taken it), the job fails at once and is kept.
 *
 * The second route (`fallback`): a gateway took the message and reported it
 * undelivered, or stayed silent (SPEC section 14). The same code goes once
 * more through the next transport that has not had it; then its sealed copy
 * is erased, so there is never a third message.
 */
@Injectable()
export class CodeDeliveryService {
  private readonly logger = new Logger(CodeDeliveryService.name);
  private readonly keys: OtpKeyRing;
  private readonly keepsAttempts: boolean;
  /** Receipts are asked for and another transport could take a message its gateway did not deliver. */
  private readonly secondRoute: boolean;

  constructor(
    private readonly requests: CodeRequestsRepository,
    private readonly config: AppConfig,
    @Inject(SMS_TRANSPORTS) private readonly transports: SmsTransport[],
    private readonly metrics: WorkerMetrics,
  ) {
    this.keys = OtpKeyRing.of(config);
    // Transports that drop repeats themselves need no record of their attempts.
    this.keepsAttempts = transports.some((transport) => !transport.idempotent);
    this.secondRoute = config.receipts.baseUrl !== null && transports.length > 1;
  }

  /** `note` hears a line for each failed attempt and for a failover (the job's log, on the queue dashboard). */
  async deliver(
    codeRequestId: string,
    note: (line: string) => void = () => undefined,
    fallback = false,
  ): Promise<DeliveryOutcome> {
    const request = await this.requests.forDelivery(codeRequestId);
    if (!request) return 'missing';
    if (fallback) return this.secondMessage(codeRequestId, request, note);
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

    // The sign-up's preferred channel first, then the deployment's order.
    const ordered = transportOrder(this.transports, request.channel, request.phone_change);
    const plan = planDelivery(ordered, this.keepsAttempts ? await this.requests.attemptsOf(codeRequestId) : []);
    if ('accepted' in plan) {
      note(`${plan.accepted} took it on an earlier run`);
      return this.delivered(codeRequestId, plan.accepted);
    }

    const message = this.messageOf(codeRequestId, request);
    const failures: Failure[] = [];
    const taken = await this.handOver(
      codeRequestId,
      ordered.filter(({ name }) => plan.tryInOrder.includes(name)),
      message,
      false,
      failures,
      note,
    );
    if (taken) return this.delivered(codeRequestId, taken.name);
    throw this.noTransport(failures);
  }

  /** The same code once more, through a transport that has not had it (never one that took it, or may have). */
  private async secondMessage(
    codeRequestId: string,
    request: RequestForDelivery,
    note: (line: string) => void,
  ): Promise<DeliveryOutcome> {
    if (request.status !== 'pending' || !request.live || !request.code_sealed) {
      await this.requests.eraseSealedCode(codeRequestId);
      return 'dropped';
    }
    const attempts = await this.requests.attemptsOf(codeRequestId);
    const had = new Set(attempts.filter(({ state }) => state !== 'transient').map(({ transport }) => transport));
    const left = transportOrder(this.transports, request.channel, request.phone_change).filter(
      ({ name }) => !had.has(name),
    );
    if (left.length === 0) {
      note('no other transport is left for a second message');
      await this.requests.eraseSealedCode(codeRequestId);
      return 'dropped';
    }
    const failures: Failure[] = [];
    const taken = await this.handOver(
      codeRequestId,
      left,
      this.messageOf(codeRequestId, request),
      true,
      failures,
      note,
    );
    if (!taken) throw this.noTransport(failures);
    await this.requests.eraseSealedCode(codeRequestId);
    this.metrics.smsFallbackSent(taken.name);
    note(`second message through ${taken.name}`);
    return 'delivered';
  }

  /** The code's message, in the person's language (the signup's locale, else the number's country's). */
  private messageOf(codeRequestId: string, request: RequestForDelivery): OutgoingSms {
    const code = this.keys.unseal(codeRequestId, request.code_sealed!);
    const { locale, settings } = pickMessage(
      this.config.sms.catalog,
      request.phone_change ? 'phone-change' : 'sign-in',
      request.locale,
      phoneCountry(request.phone_number),
    );
    return {
      to: request.phone_number,
      text: otpMessageText(settings, code, this.config.otp.ttlSeconds),
      reference: codeRequestId,
      code,
      locale,
    };
  }

  /** Tries the transports in order until one takes the message; answers it, or null with `failures` filled. */
  private async handOver(
    codeRequestId: string,
    transports: SmsTransport[],
    message: OutgoingSms,
    fallback: boolean,
    failures: Failure[],
    note: (line: string) => void,
  ): Promise<SmsTransport | null> {
    for (const transport of transports) {
      // The second route's attempts are always recorded: they are what says it was tried.
      const recorded = fallback || !transport.idempotent;
      const attemptId = recorded ? await this.requests.startAttempt(codeRequestId, transport.name, fallback) : null;
      try {
        const { providerId } = await transport.send(message);
        if (attemptId) await this.requests.finishAttempt(attemptId, { state: 'accepted', providerId });
        // The plain case is the job's completion; a failover is worth a line.
        if (failures.length > 0) note(`${transport.name}: accepted${providerId ? ` as ${providerId}` : ''}`);
        return transport;
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
    return null;
  }

  /** Why no transport took the message: to try again later, or never. */
  private noTransport(failures: Failure[]): Error {
    const summary = failures.map(({ transport, kind, reason }) => `${transport.name} ${kind}: ${reason}`).join('; ');
    const retryable = failures.some(
      ({ transport, kind }) => kind === 'transient' || (kind === 'ambiguous' && transport.idempotent),
    );
    if (retryable) return new Error(`no transport took the message, trying again later (${summary})`);
    return new UnrecoverableError(`no transport can take the message (${summary || 'every transport is out'})`);
  }

  /**
   * Records the delivery; counted once, by the run that recorded it. The sealed
   * code stays while a receipt may yet open the second route.
   */
  private async delivered(codeRequestId: string, transport: string): Promise<DeliveryOutcome> {
    const keepSealed = this.secondRoute && REPORTING.has(transport);
    const seconds = await this.requests.markDelivered(codeRequestId, keepSealed);
    if (seconds === null) return 'already-delivered';
    this.metrics.smsDelivered(transport, seconds);
    return 'delivered';
  }
}
