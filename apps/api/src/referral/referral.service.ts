import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, normalizeReferralCode, REFERRAL_CODE_PATTERN, OtpKeyRing } from '@app/domain';
import { AppConfig, type Transaction } from '@app/platform';
import { cursorOf, DEFAULT_PAGE_SIZE, keysetPage, type PageQueryDto } from '../common/keyset.js';
import type { LeaderboardDto } from './dto/leaderboard.dto.js';
import type { ReferralOutcomeDto } from './dto/referral-outcome.dto.js';
import type { ReferralsPageDto } from './dto/referrals-page.dto.js';
import { ApiMetrics, type ReferralActivationOutcome } from '../metrics/api-metrics.js';
import { ReferralsRepository, type Activation } from './referrals.repository.js';

/** The answer of each activation outcome; `activated` and `unchanged` (a retried request) succeed. */
const ACTIVATION_ERRORS: Record<Exclude<Activation, 'activated' | 'unchanged'>, ErrorCode> = {
  already: ErrorCode.REFERRAL_ALREADY_ACTIVATED,
  counted_before: ErrorCode.REFERRAL_ALREADY_ACTIVATED,
  not_found: ErrorCode.REFERRAL_CODE_NOT_FOUND,
  self: ErrorCode.REFERRAL_SELF,
  cycle: ErrorCode.REFERRAL_CYCLE,
  no_user: ErrorCode.USER_NOT_FOUND,
};

/**
 * Each activation outcome as the metric spells it (SPEC section 9): a retried
 * activation of the same code is `already`; a user deleted meanwhile is no
 * activation at all.
 */
const ACTIVATION_OUTCOMES: Record<Exclude<Activation, 'no_user'>, ReferralActivationOutcome> = {
  activated: 'activated',
  unchanged: 'already',
  already: 'already',
  counted_before: 'already',
  not_found: 'not_found',
  self: 'self',
  cycle: 'cycle',
};

/** Invite codes: activating someone's, and the list of those who activated yours. */
@Injectable()
export class ReferralService {
  private readonly keys: OtpKeyRing;

  constructor(
    config: AppConfig,
    private readonly referrals: ReferralsRepository,
    private readonly metrics: ApiMetrics,
  ) {
    this.keys = OtpKeyRing.of(config);
  }

  /** Activates someone's invite code (any case) for a user, in the caller's transaction. */
  async activate(tx: Transaction, userId: string, rawCode: string): Promise<void> {
    const outcome = this.counted(await this.activateAs(tx, userId, normalizeReferralCode(rawCode), 'alone'));
    if (outcome === 'activated' || outcome === 'unchanged') return;
    throw new DomainError(ACTIVATION_ERRORS[outcome]);
  }

  /**
   * Activates a code met on the way in (an invite link at sign-in): the same
   * rules as `activate`, but a refusal is an answer, never an error, and
   * leaves the rest of the transaction alone.
   */
  async activateOnSignIn(tx: Transaction, userId: string, rawCode: string): Promise<ReferralOutcomeDto> {
    const code = normalizeReferralCode(rawCode);
    if (!REFERRAL_CODE_PATTERN.test(code)) {
      this.metrics.referralActivations.count('not_found');
      return { activated: false, error: ErrorCode.REFERRAL_CODE_NOT_FOUND };
    }
    const outcome = this.counted(await this.activateAs(tx, userId, code, 'or-skip'));
    if (outcome === 'activated') return { activated: true, error: null };
    if (outcome === 'unchanged') return { activated: false, error: ErrorCode.REFERRAL_ALREADY_ACTIVATED };
    return { activated: false, error: ACTIVATION_ERRORS[outcome] as ReferralOutcomeDto['error'] };
  }

  /**
   * One person, one referral: the activation records the referee's phone
   * fingerprint (from the phone its own UPDATE returns), and a phone counted
   * before, under a deleted account, is refused.
   */
  private activateAs(tx: Transaction, userId: string, code: string, how: 'alone' | 'or-skip'): Promise<Activation> {
    const fingerprint = (phone: string) => this.keys.phoneFingerprints(phone);
    return how === 'alone'
      ? this.referrals.activate(tx, userId, code, fingerprint)
      : this.referrals.activateOrSkip(tx, userId, code, fingerprint);
  }

  /**
   * Before a user is deleted: a referred user's phone is remembered, so the
   * same person signing up again is not counted again (referrals made before
   * fingerprints were kept are covered here too).
   */
  async rememberBeforeDeletion(tx: Transaction, userId: string): Promise<void> {
    const referee = await this.referrals.referee(tx, userId);
    if (referee?.referred) {
      await this.referrals.rememberReferredPhone(tx, this.keys.phoneFingerprints(referee.phone));
    }
  }

  private counted<T extends Activation>(outcome: T): T {
    if (outcome !== 'no_user') this.metrics.referralActivations.count(ACTIVATION_OUTCOMES[outcome]);
    return outcome;
  }

  /** One page of the users who activated this user's code, newest first, by keyset: the same cost at any depth. */
  async list(userId: string, query: PageQueryDto): Promise<ReferralsPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const [rows, total] = await Promise.all([
      this.referrals.page(userId, limit, cursorOf(query)),
      this.referrals.total(userId),
    ]);
    const page = keysetPage(rows, limit, ({ phone_number, username, activated_at }) => ({
      phone_number,
      username,
      activated_at,
    }));
    return { ...page, total };
  }

  /** Admins only: the users with the most referrals, from the stored counts. */
  async leaderboard(limit: number): Promise<LeaderboardDto> {
    return { items: await this.referrals.leaders(limit) };
  }
}
