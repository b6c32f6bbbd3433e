import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DomainError, ErrorCode, generateOtp, normalizePhoneNumber, OtpKeyRing, phonePolicy } from '@app/domain';
import { AppConfig, CHANNEL_OF, type Channel, transportOrder, UnitOfWork } from '@app/platform';
import { TokenResponseDto } from '../auth/dto/token-response.dto.js';
import type { AuthUser } from '../auth/auth-user.js';
import type { SessionDevice } from '../auth/sessions.repository.js';
import { TokensService } from '../auth/tokens.service.js';
import { PumpingService } from '../pumping/pumping.service.js';
import { ReferralService } from '../referral/referral.service.js';
import { CodeDeliveryQueue } from '../queue/code-delivery.queue.js';
import { ApiMetrics, type OtpRequestOutcome } from '../metrics/api-metrics.js';
import { UsersService } from '../users/users.service.js';
import type { CodeRequestedDto } from './dto/code-requested.dto.js';
import type { SignedInDto } from './dto/signed-in.dto.js';
import { SignInRepository } from './sign-in.repository.js';

/** The per-phone rules' verdicts as the metric spells them (SPEC section 9). */
const REQUEST_OUTCOMES = {
  created: 'sent',
  cooldown: 'cooldown',
  hourly: 'hourly_cap',
  locked: 'locked',
  username_taken: 'username_taken',
} as const satisfies Record<string, OtpRequestOutcome>;

/** Stands in for a missing code so that an unknown phone costs the same HMAC as a known one. */
const DUMMY_HASH = Buffer.alloc(32);

/**
 * Sign-in with a phone number and a code. The rules (cooldown, hourly cap,
 * burned codes, lockout) are the sign-in policy in PostgreSQL (the sign-in-policy
 * migration); here: the codes' crypto, the error each outcome answers, and the
 * user and session a right code opens.
 */
@Injectable()
export class SignInService {
  private readonly keys: OtpKeyRing;

  constructor(
    private readonly config: AppConfig,
    private readonly signIn: SignInRepository,
    private readonly uow: UnitOfWork,
    private readonly users: UsersService,
    private readonly tokens: TokensService,
    private readonly deliveries: CodeDeliveryQueue,
    private readonly pumping: PumpingService,
    private readonly referrals: ReferralService,
    private readonly metrics: ApiMetrics,
  ) {
    this.keys = OtpKeyRing.of(config);
  }

  /**
   * Creates a code for the phone and queues its delivery. Answers the same for
   * known and unknown numbers: every check below looks at the number, never at
   * whether it has an account.
   */
  async requestCode(
    rawPhone: string,
    username: string | undefined,
    {
      forUserId,
      locale,
      channel,
      botChecked = false,
    }: { forUserId?: string; locale?: string; channel?: Channel; botChecked?: boolean } = {},
  ): Promise<CodeRequestedDto> {
    const phoneNumber = normalizePhoneNumber(rawPhone, this.config.defaultPhoneRegion);
    const policy = phonePolicy(phoneNumber, this.config.otp);
    if (!policy.exempt) {
      this.pumping.checkCountry(phoneNumber);
      await this.pumping.checkConversion(phoneNumber, botChecked);
    }
    // Checked against every live user whoever asks, so the answer says nothing about the phone; answered only
    // once the phone's gates let the request through, and counted by them like a code (request_code).
    const usernameTaken = username !== undefined && (await this.users.isUsernameTaken(username));

    const { ttlSeconds, resendSeconds, perHour } = this.config.otp;
    const id = randomUUID();
    const code = policy.fixedCode ?? generateOtp();
    // Claimed whatever the name, so a spent budget answers the same for a taken one; kept only for a code made.
    const result = await this.pumping.withBudgets(
      id,
      phoneNumber,
      policy.exempt,
      () =>
        this.signIn.requestCode(
          {
            id,
            phoneNumber,
            codeHash: this.keys.hash(id, phoneNumber, code),
            codeSealed: this.keys.seal(id, code),
            username: username ?? null,
            usernameTaken,
            forUserId,
          },
          { ttlSeconds, resendSeconds, perHour, exempt: policy.exempt, ...policy.window },
        ),
      (made) => made.outcome === 'created',
    );
    this.metrics.otpRequests.count(REQUEST_OUTCOMES[result.outcome]);
    switch (result.outcome) {
      case 'created':
        break;
      case 'username_taken':
        throw new DomainError(ErrorCode.USERNAME_TAKEN);
      case 'locked':
        throw tooManyAttempts(result.retry_after);
      case 'cooldown':
        throw new DomainError(
          ErrorCode.RATE_LIMITED,
          'A code was sent to this number moments ago. Wait before asking again.',
          {
            retryAfterSeconds: result.retry_after,
          },
        );
      case 'hourly':
        throw new DomainError(
          ErrorCode.RATE_LIMITED,
          `At most ${perHour} codes per number per hour. Try again later.`,
          {
            retryAfterSeconds: result.retry_after,
          },
        );
    }

    // Before the job is queued: the worker reads them with the code.
    if (locale || channel) await this.signIn.setPreferences(id, locale ?? null, channel ?? null);
    await this.deliveries.enqueue(id);
    return {
      phone_number: phoneNumber,
      expires_in: ttlSeconds,
      resend_in: resendSeconds,
      channel: this.firstChannel(channel ?? null, forUserId !== undefined),
    };
  }

  /** The channel of the transport the worker tries first for such a code. */
  private firstChannel(preferred: Channel | null, phoneChange: boolean): Channel {
    const [first] = transportOrder(
      this.config.sms.transports.map((name) => ({ name })),
      preferred,
      phoneChange,
    );
    return CHANNEL_OF[first.name];
  }

  /**
   * Checks phone and code together. Every failure answers the same INVALID_CODE;
   * the counters behind the limits are committed before the answer is sent. The
   * first success for a phone creates its user.
   */
  async verifyCode(
    rawPhone: string,
    code: string,
    referralCode: string | undefined,
    device: SessionDevice,
  ): Promise<SignedInDto> {
    const phoneNumber = normalizePhoneNumber(rawPhone, this.config.defaultPhoneRegion);
    const newest = await this.signIn.newestCode(phoneNumber);
    const matches = this.keys.matches(newest?.codeHash ?? DUMMY_HASH, newest?.id ?? '', phoneNumber, code);
    const { maxAttemptsPerCode, lockAfterFailures, lockSteps } = this.config.otp;

    // A refusal commits its counters; only then is it answered.
    const result = await this.uow.run(async (tx) => {
      const verdict = await this.signIn.verify(
        tx,
        { phoneNumber, requestId: newest?.id ?? null, matches },
        { maxAttemptsPerCode, lockAfterFailures, lockSteps, ...phonePolicy(phoneNumber, this.config.otp).window },
      );
      if (verdict.outcome !== 'signed_in') return { refused: verdict };
      const user = await this.users.findOrCreateByPhone(tx, phoneNumber, verdict.requested_username);
      // An invite link's code: for a new user, in the creation's transaction (user.created, then referral.activated).
      const referral =
        referralCode === undefined
          ? undefined
          : await this.referrals.activateOnSignIn(tx, user.id, referralCode, {
              address: device.ipAddress,
              deviceId: device.deviceId ?? null,
              sessionId: null,
            });
      return { signedIn: { user, referral, issued: await this.tokens.startSession(tx, user.id, device) } };
    });
    if (!result.signedIn) {
      const locked = result.refused.outcome === 'locked';
      this.metrics.otpVerifications.count(locked ? 'locked' : 'invalid');
      if (locked) throw tooManyAttempts(result.refused.retry_after);
      throw new DomainError(ErrorCode.INVALID_CODE);
    }
    this.metrics.otpVerifications.count('success');
    const { user, issued, referral } = result.signedIn;
    const answer: SignedInDto = TokenResponseDto.of(issued, user.referralCode, user.created);
    return referral ? { ...answer, referral } : answer;
  }
}

/**
 * Moving an account to another number (SPEC section 12): a code to the new
 * number, asked for by a person signed in within PHONE_CHANGE_REAUTH_SECONDS,
 * under every rule a sign-in code has (the per-phone limits, the budgets, the
 * number rules, the per-address limit on the route); confirmed with that code,
 * which opens no sign-in (and no sign-in code moves an account: verify_code
 * matches the code's user). The answer to the request is the same whether or
 * not the number has an account; the confirmation says PHONE_NUMBER_TAKEN.
 */
@Injectable()
export class PhoneChangeService {
  constructor(
    private readonly config: AppConfig,
    private readonly signInService: SignInService,
    private readonly signIn: SignInRepository,
    private readonly uow: UnitOfWork,
    private readonly users: UsersService,
    private readonly tokens: TokensService,
    private readonly referrals: ReferralService,
    private readonly metrics: ApiMetrics,
  ) {}

  async request(caller: AuthUser, rawPhone: string): Promise<CodeRequestedDto> {
    this.requireRecentSignIn(caller);
    const phoneNumber = normalizePhoneNumber(rawPhone, this.config.defaultPhoneRegion);
    if (phoneNumber === caller.phoneNumber) {
      throw new DomainError(ErrorCode.VALIDATION_FAILED, 'This is the account’s number already.', {
        details: [{ field: 'phone_number', message: 'is the account’s number already' }],
      });
    }
    return this.signInService.requestCode(phoneNumber, undefined, { forUserId: caller.id });
  }

  /**
   * Checks the code for the new number and, in the same transaction, moves the
   * account there and ends every other session. Refusals answer as a sign-in's
   * do (INVALID_CODE, TOO_MANY_ATTEMPTS), their counters committed.
   */
  async confirm(caller: AuthUser, rawPhone: string, code: string): Promise<void> {
    const phoneNumber = normalizePhoneNumber(rawPhone, this.config.defaultPhoneRegion);
    const keys = OtpKeyRing.of(this.config);
    const newest = await this.signIn.newestCode(phoneNumber);
    const matches = keys.matches(newest?.codeHash ?? DUMMY_HASH, newest?.id ?? '', phoneNumber, code);
    const { maxAttemptsPerCode, lockAfterFailures, lockSteps } = this.config.otp;
    const refused = await this.uow.run(async (tx) => {
      const verdict = await this.signIn.verify(
        tx,
        { phoneNumber, requestId: newest?.id ?? null, matches, forUserId: caller.id },
        { maxAttemptsPerCode, lockAfterFailures, lockSteps, ...phonePolicy(phoneNumber, this.config.otp).window },
      );
      if (verdict.outcome !== 'signed_in') return verdict;
      // The number left behind stays counted if it was a referral; a taken number throws: the whole
      // confirmation is undone, the code with it.
      await this.referrals.rememberBeforeLeavingPhone(tx, caller.id);
      await this.users.movePhone(tx, caller.id, phoneNumber);
      await this.tokens.endOtherSessions(caller.id, caller.sessionId, tx);
      return null;
    });
    if (refused) {
      const locked = refused.outcome === 'locked';
      this.metrics.otpVerifications.count(locked ? 'locked' : 'invalid');
      if (locked) throw tooManyAttempts(refused.retry_after);
      throw new DomainError(ErrorCode.INVALID_CODE);
    }
    this.metrics.otpVerifications.count('success');
  }

  private requireRecentSignIn(caller: AuthUser): void {
    const signedInAt = caller.signedInAt?.getTime() ?? 0;
    if (Date.now() - signedInAt > this.config.phoneChange.reauthSeconds * 1000) {
      throw new DomainError(ErrorCode.REAUTHENTICATION_REQUIRED);
    }
  }
}

function tooManyAttempts(retryAfterSeconds: number): DomainError {
  return new DomainError(ErrorCode.TOO_MANY_ATTEMPTS, undefined, { retryAfterSeconds: Math.max(1, retryAfterSeconds) });
}
