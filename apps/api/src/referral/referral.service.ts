import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, normalizeReferralCode, REFERRAL_CODE_PATTERN, OtpKeyRing } from '@app/domain';
import { AppConfig, type Transaction } from '@app/platform';
import { cursorOf, DEFAULT_PAGE_SIZE, keysetPage, type PageQueryDto } from '../common/keyset.js';
import type { LeaderboardDto } from './dto/leaderboard.dto.js';
import type { ReferralOutcomeDto } from './dto/referral-outcome.dto.js';
import type { ReferralsPageDto } from './dto/referrals-page.dto.js';
import { ApiMetrics, type ReferralActivationOutcome } from '../metrics/api-metrics.js';
import { ReferralsRepository, type Activation, type OpenedReferral } from './referrals.repository.js';

/** Where an activation came from, for the fraud signals: the invitee's address, device id and session. */
export interface ActivationSource {
  address: string | null;
  deviceId: string | null;
  sessionId: string | null;
}

/** An activation made for the user by someone else (an admin): no address or device of the invitee's. */
export const NO_SOURCE: ActivationSource = { address: null, deviceId: null, sessionId: null };

type SignInReferralError = ReferralOutcomeDto['error'];

/**
 * Every activation outcome (the repository's reading of PostgreSQL's answer),
 * and what it becomes, in one table: the metric's outcome (SPEC section 9),
 * the error of an activation in the profile, and the answer of one at sign-in
 * (never an error there: the sign-in goes on). A retried activation of the same
 * code (`unchanged`) succeeds in the profile and counts as `already`; a user
 * deleted meanwhile (`no_user`) is no activation and counts nothing.
 */
const ACTIVATIONS: Record<
  Activation,
  { metric: ReferralActivationOutcome | null; error: ErrorCode | null; atSignIn: SignInReferralError }
> = {
  activated: { metric: 'activated', error: null, atSignIn: null },
  unchanged: { metric: 'already', error: null, atSignIn: ErrorCode.REFERRAL_ALREADY_ACTIVATED },
  already: {
    metric: 'already',
    error: ErrorCode.REFERRAL_ALREADY_ACTIVATED,
    atSignIn: ErrorCode.REFERRAL_ALREADY_ACTIVATED,
  },
  counted_before: {
    metric: 'already',
    error: ErrorCode.REFERRAL_ALREADY_ACTIVATED,
    atSignIn: ErrorCode.REFERRAL_ALREADY_ACTIVATED,
  },
  not_found: {
    metric: 'not_found',
    error: ErrorCode.REFERRAL_CODE_NOT_FOUND,
    atSignIn: ErrorCode.REFERRAL_CODE_NOT_FOUND,
  },
  self: { metric: 'self', error: ErrorCode.REFERRAL_SELF, atSignIn: ErrorCode.REFERRAL_SELF },
  cycle: { metric: 'cycle', error: ErrorCode.REFERRAL_CYCLE, atSignIn: ErrorCode.REFERRAL_CYCLE },
  no_user: { metric: null, error: ErrorCode.USER_NOT_FOUND, atSignIn: ErrorCode.REFERRAL_CODE_NOT_FOUND },
};

/** Invite codes: activating someone's, and the list of those who activated yours. */
@Injectable()
export class ReferralService {
  private readonly keys: OtpKeyRing;

  constructor(
    private readonly config: AppConfig,
    private readonly referrals: ReferralsRepository,
    private readonly metrics: ApiMetrics,
  ) {
    this.keys = OtpKeyRing.of(config);
  }

  /** Activates someone's invite code (any case) for a user, in the caller's transaction. */
  async activate(tx: Transaction, userId: string, rawCode: string, source: ActivationSource): Promise<void> {
    const { error } = this.counted(await this.activateAs(tx, userId, normalizeReferralCode(rawCode), 'alone', source));
    if (error) throw new DomainError(error);
  }

  /**
   * Activates a code met on the way in (an invite link at sign-in): the same
   * rules as `activate`, but a refusal is an answer, never an error, and
   * leaves the rest of the transaction alone.
   */
  async activateOnSignIn(
    tx: Transaction,
    userId: string,
    rawCode: string,
    source: ActivationSource,
  ): Promise<ReferralOutcomeDto> {
    const code = normalizeReferralCode(rawCode);
    // A code that cannot be one is not looked up: not found, as PostgreSQL would say.
    const outcome = REFERRAL_CODE_PATTERN.test(code)
      ? await this.activateAs(tx, userId, code, 'or-skip', source)
      : { outcome: 'not_found' as const };
    const { atSignIn } = this.counted(outcome);
    return { activated: atSignIn === null, error: atSignIn };
  }

  /**
   * One person, one referral: the activation records the referee's phone
   * fingerprint (from the phone its own UPDATE returns), and a phone counted
   * before, under a deleted account, is refused.
   */
  private activateAs(
    tx: Transaction,
    userId: string,
    code: string,
    how: 'alone' | 'or-skip',
    source: ActivationSource,
  ): Promise<{ outcome: Activation; opened?: OpenedReferral }> {
    const fingerprint = (phone: string) => this.keys.phoneFingerprints(phone);
    const context = { ...source, policy: this.config.referrals };
    return how === 'alone'
      ? this.referrals.activate(tx, userId, code, fingerprint, context)
      : this.referrals.activateOrSkip(tx, userId, code, fingerprint, context);
  }

  /**
   * Before a user leaves their number (deleted, or moved to another number): a
   * referred user's phone is remembered, so a new account on it is not counted
   * again (referrals made before fingerprints were kept are covered here too).
   */
  async rememberBeforeLeavingPhone(tx: Transaction, userId: string): Promise<void> {
    const referee = await this.referrals.referee(tx, userId);
    if (referee?.referred) {
      await this.referrals.rememberReferredPhone(tx, this.keys.phoneFingerprints(referee.phone));
    }
  }

  /**
   * The outcome's row of ACTIVATIONS, once its metrics are counted: the
   * activation's outcome, and the funnel's steps from the events the referral's
   * opening wrote (activated, qualified and final at sign-up when the rules say so).
   * Counted before the commit: a transaction that then fails is rare, and
   * counting after it would need the commit's hook for one counter.
   */
  private counted({
    outcome,
    opened,
  }: {
    outcome: Activation;
    opened?: OpenedReferral;
  }): (typeof ACTIVATIONS)[Activation] {
    const answer = ACTIVATIONS[outcome];
    if (answer.metric) this.metrics.referralActivations.count(answer.metric);
    if (opened) {
      this.metrics.referralFunnel.countEvents(opened.eventTypes);
      if (opened.verdict === 'review') this.metrics.referralFunnel.count('review');
    }
    return answer;
  }

  /** One page of the users who activated this user's code, newest first, by keyset: the same cost at any depth. */
  async list(userId: string, query: PageQueryDto): Promise<ReferralsPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const [rows, counts] = await Promise.all([
      this.referrals.page(userId, limit, cursorOf(query)),
      this.referrals.counts(userId),
    ]);
    const page = keysetPage(rows, limit, ({ cursor_at: _at, id: _id, ...referral }) => referral);
    const { referrals: total, ...byState } = counts;
    return { ...page, total, by_state: byState };
  }

  /** Admins only: the users with the most referrals, from the stored counts. */
  async leaderboard(limit: number): Promise<LeaderboardDto> {
    return { items: await this.referrals.leaders(limit) };
  }
}
