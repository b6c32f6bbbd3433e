import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, isUuid, type ReferralState } from '@app/domain';
import { AppConfig, UnitOfWork, type Transaction } from '@app/platform';
import type { AuthUser } from '../auth/auth-user.js';
import { cursorOf, DEFAULT_PAGE_SIZE, keysetPage, type PageQueryDto } from '../common/keyset.js';
import { ApiMetrics } from '../metrics/api-metrics.js';
import type {
  AdminReferralDetailDto,
  AdminReferralDto,
  AdminReferralsPageDto,
  AdminReferralsQueryDto,
  HostCallAnswerDto,
  QualifyReferralDto,
  RewardDto,
  RewardsPageDto,
  VoidReferralDto,
} from './dto/lifecycle.dto.js';
import {
  ReferralLifecycleRepository,
  type AdminReferralRow,
  type RewardRow,
  type StepAnswer,
} from './referral-lifecycle.repository.js';

/** The review queue: referrals in review that are neither final nor void. */
const OPEN_STATES: ReferralState[] = ['pending', 'qualified'];

/**
 * SPEC section 13 as the host's backend, the admins and the person use it: the
 * host qualifies and voids (idempotent on its own event ids), admins decide the
 * review queue, the host marks rewards fulfilled, each person reads their
 * rewards. The rules themselves are the database's functions; this service
 * maps their outcomes to answers and counts the funnel.
 */
@Injectable()
export class ReferralLifecycleService {
  constructor(
    private readonly config: AppConfig,
    private readonly uow: UnitOfWork,
    private readonly lifecycle: ReferralLifecycleRepository,
    private readonly metrics: ApiMetrics,
  ) {}

  async qualify(caller: AuthUser, body: QualifyReferralDto): Promise<HostCallAnswerDto> {
    return this.hostCall(caller, 'qualify', body.user_id, body.event_id, body.action);
  }

  async void(caller: AuthUser, body: VoidReferralDto): Promise<HostCallAnswerDto> {
    return this.hostCall(caller, 'void', body.user_id, body.event_id, body.reason);
  }

  private async hostCall(
    caller: AuthUser,
    call: 'qualify' | 'void',
    refereeId: string,
    eventId: string,
    text: string,
  ): Promise<HostCallAnswerDto> {
    const { referralId, answer } = await this.uow.run(async (tx) => {
      const referralId = await this.lifecycle.referralOf(tx, refereeId);
      if (!referralId) throw new DomainError(ErrorCode.REFERRAL_NOT_FOUND);
      const answer = await this.lifecycle.hostCall(
        tx,
        call,
        referralId,
        eventId,
        text,
        actorOf(caller),
        this.config.referrals,
      );
      // A refusal changed nothing but the record of the call, which a retry must find: it commits.
      return { referralId, answer };
    });
    this.counted(answer);
    if (answer.outcome === 'void') throw new DomainError(ErrorCode.REFERRAL_VOID);
    if (answer.outcome === 'event_reused') throw new DomainError(ErrorCode.EVENT_ID_REUSED);
    return { outcome: answer.outcome, referral: await this.adminReferral(referralId) };
  }

  async review(caller: AuthUser, id: string, approve: boolean, reason: string | null): Promise<AdminReferralDto> {
    if (!isUuid(id)) throw new DomainError(ErrorCode.REFERRAL_NOT_FOUND);
    const answer = await this.uow.run((tx) =>
      this.lifecycle.review(tx, id, approve, reason, actorOf(caller), this.config.referrals),
    );
    this.counted(answer);
    if (answer.outcome === 'not_found') throw new DomainError(ErrorCode.REFERRAL_NOT_FOUND);
    if (answer.outcome === 'not_in_review') throw new DomainError(ErrorCode.REFERRAL_NOT_IN_REVIEW);
    return this.adminReferral(id);
  }

  async fulfil(caller: AuthUser, rewardId: string, reference: string | null): Promise<RewardDto> {
    if (!isUuid(rewardId)) throw new DomainError(ErrorCode.REWARD_NOT_FOUND);
    const answer = await this.uow.run((tx) => this.lifecycle.fulfil(tx, rewardId, reference, actorOf(caller)));
    this.counted(answer);
    if (answer.outcome === 'not_found') throw new DomainError(ErrorCode.REWARD_NOT_FOUND);
    if (answer.outcome === 'reversed') throw new DomainError(ErrorCode.REWARD_REVERSED);
    const reward = await this.lifecycle.reward(rewardId);
    return rewardDto(reward!);
  }

  /** An invitee's account is being deleted: a referral not yet final is void (reason invitee_deleted). */
  async voidOnLeaving(tx: Transaction, refereeId: string): Promise<void> {
    const answer = await this.lifecycle.voidOnLeaving(tx, refereeId, this.config.referrals);
    if (answer) this.counted(answer);
  }

  async adminList(query: AdminReferralsQueryDto): Promise<AdminReferralsPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const states = query.state ? [query.state] : query.verdict === 'review' ? OPEN_STATES : null;
    const rows = await this.lifecycle.adminPage(
      { verdict: query.verdict ?? null, states, referrerId: query.referrer_id ?? null },
      limit,
      cursorOf(query),
    );
    return keysetPage(rows, limit, adminReferralDto);
  }

  async adminDetail(id: string): Promise<AdminReferralDetailDto> {
    const found = isUuid(id) ? await this.lifecycle.adminDetail(id) : null;
    if (!found) throw new DomainError(ErrorCode.REFERRAL_NOT_FOUND);
    return { ...adminReferralDto(found.referral), history: found.history, rewards: found.rewards.map(rewardDto) };
  }

  async rewards(userId: string, query: PageQueryDto): Promise<RewardsPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const [rows, balance] = await Promise.all([
      this.lifecycle.rewardsPage(userId, limit, cursorOf(query)),
      this.lifecycle.balances(userId),
    ]);
    return { ...keysetPage(rows, limit, rewardDto), balance };
  }

  private async adminReferral(id: string): Promise<AdminReferralDto> {
    return adminReferralDto((await this.lifecycle.adminReferral(id))!);
  }

  private counted(answer: StepAnswer): void {
    this.metrics.referralFunnel.countEvents(answer.eventTypes);
  }
}

/** Who moved a referral, as its history and `reviewed_by` keep it: the host's key or the admin person. */
function actorOf(caller: AuthUser): string {
  return caller.apiKey ? `host:${caller.apiKey.id}` : `admin:${caller.id}`;
}

function adminReferralDto({ cursor_at: _at, ...row }: AdminReferralRow): AdminReferralDto {
  return row;
}

function rewardDto({ cursor_at: _at, ...row }: RewardRow): RewardDto {
  return row;
}
