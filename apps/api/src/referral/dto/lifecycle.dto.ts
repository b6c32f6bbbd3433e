import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { REFERRAL_STATES, REFERRAL_VERDICTS, type ReferralState, type ReferralVerdict } from '@app/domain';
import { IfPresent } from '../../common/if-present.js';
import { PageQueryDto } from '../../common/keyset.js';

/** The host's own id of the event behind a call: printable, without spaces, at most 200 characters. */
const EVENT_ID = /^[\x21-\x7e]{1,200}$/;
/** A name or a reason the host chose: printable text, one line (no control characters). */
const TEXT = /^[^\p{Cc}]+$/u;

export class QualifyReferralDto {
  @ApiProperty({ format: 'uuid', description: 'The invitee: the user whose qualifying action this is.' })
  @IsUUID()
  user_id: string;

  @ApiProperty({
    example: 'order_8f3k2',
    description: 'The host’s own id of the event (an order, a payment): a retry with it changes nothing.',
  })
  @IsString()
  @Matches(EVENT_ID, { message: 'event_id must be 1-200 printable characters without spaces' })
  event_id: string;

  @ApiProperty({ example: 'first_purchase', description: 'What the invitee did, kept with the referral.' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(TEXT, { message: 'action must be one line of text' })
  action: string;
}

export class VoidReferralDto {
  @ApiProperty({ format: 'uuid', description: 'The invitee.' })
  @IsUUID()
  user_id: string;

  @ApiProperty({
    example: 'refund_41x',
    description: 'The host’s own id of the event: a retry with it changes nothing.',
  })
  @IsString()
  @Matches(EVENT_ID, { message: 'event_id must be 1-200 printable characters without spaces' })
  event_id: string;

  @ApiProperty({ example: 'refund', description: 'Why: shown to the inviter and in the events.' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(TEXT, { message: 'reason must be one line of text' })
  reason: string;
}

export class RejectReferralDto {
  @ApiProperty({
    example: 'same household farming invites',
    description: 'Why: shown to the inviter and in the events.',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(TEXT, { message: 'reason must be one line of text' })
  reason: string;
}

export class FulfilRewardDto {
  @ApiPropertyOptional({ example: 'coupon WELCOME-7Q2', description: 'The host’s reference: a coupon, a credit note.' })
  @IfPresent()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(TEXT, { message: 'reference must be one line of text' })
  reference?: string;
}

export class AdminReferralsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: REFERRAL_VERDICTS,
    description: '`review`: the review queue, the referrals waiting for a decision (unless `state` says otherwise).',
  })
  @IsOptional()
  @IsIn(REFERRAL_VERDICTS)
  verdict?: ReferralVerdict;

  @ApiPropertyOptional({ enum: REFERRAL_STATES })
  @IsOptional()
  @IsIn(REFERRAL_STATES)
  state?: ReferralState;

  @ApiPropertyOptional({ format: 'uuid', description: 'One inviter’s referrals.' })
  @IsOptional()
  @IsUUID()
  referrer_id?: string;
}

class PersonDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ type: String, nullable: true, description: 'null once the account was deleted.' })
  username: string | null;
}

export class ReferralSignalsDto {
  @ApiPropertyOptional({
    type: Boolean,
    nullable: true,
    description: 'The invitee came from a network (/24, /64) the inviter signed in from; null: no address to compare.',
  })
  same_network?: boolean | null;

  @ApiPropertyOptional({
    type: Boolean,
    nullable: true,
    description: 'The invitee’s device id is one the inviter signed in with; null: no device id sent.',
  })
  same_device?: boolean | null;

  @ApiPropertyOptional({ description: 'The inviter’s referrals in the hour before, this one included.' })
  referrals_last_hour?: number;

  @ApiPropertyOptional({ description: 'The velocity threshold then (0: none).' })
  velocity_per_hour?: number;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'mobile' })
  number_type?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'RU' })
  invitee_country?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'RU' })
  inviter_country?: string | null;

  @ApiPropertyOptional({ description: 'Made before the lifecycle existed: no signals were recorded.' })
  backfilled?: boolean;
}

export class AdminReferralDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ type: PersonDto })
  referrer: PersonDto;

  @ApiProperty({ type: PersonDto })
  referee: PersonDto;

  @ApiProperty({ example: 'Q3ZK7M' })
  referral_code: string;

  @ApiProperty({ enum: REFERRAL_STATES })
  state: ReferralState;

  @ApiProperty({ enum: REFERRAL_VERDICTS, description: 'review: waiting for an admin while pending or qualified.' })
  verdict: ReferralVerdict;

  @ApiProperty({ type: [String], example: ['same_network'], description: 'The signals that fired.' })
  flags: string[];

  @ApiProperty({ type: ReferralSignalsDto })
  signals: ReferralSignalsDto;

  @ApiProperty()
  activated_at: string;

  @ApiProperty({ type: String, nullable: true })
  qualified_at: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'first_purchase' })
  qualifying_action: string | null;

  @ApiProperty({ type: String, nullable: true })
  final_due: string | null;

  @ApiProperty({ type: String, nullable: true })
  final_at: string | null;

  @ApiProperty({ type: String, nullable: true })
  voided_at: string | null;

  @ApiProperty({ type: String, nullable: true })
  void_reason: string | null;

  @ApiProperty({ type: String, nullable: true })
  reviewed_at: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'admin:5b1c…',
    description: 'admin:<user id> or host:<key id>.',
  })
  reviewed_by: string | null;
}

export class AdminReferralsPageDto {
  @ApiProperty({ type: [AdminReferralDto], description: 'Newest first.' })
  items: AdminReferralDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  next_cursor: string | null;
}

export class ReferralMoveDto {
  @ApiProperty({ enum: ['activated', 'flagged', 'qualified', 'final', 'approved', 'rejected', 'voided'] })
  step: string;

  @ApiProperty({ enum: REFERRAL_STATES, description: 'The state after the step.' })
  state: ReferralState;

  @ApiProperty({
    example: 'host:9f2c4e1a0b7d3e55',
    description: 'invitee, system, migration, host:<key id>, admin:<user id>.',
  })
  actor: string;

  @ApiProperty({ type: String, nullable: true })
  reason: string | null;

  @ApiProperty({ type: String, nullable: true })
  action: string | null;

  @ApiProperty()
  at: string;
}

export class RewardDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  referral_id: string;

  @ApiProperty({ format: 'uuid', description: 'Whose reward it is.' })
  user_id: string;

  @ApiProperty({ enum: ['inviter', 'invitee', 'milestone'] })
  role: 'inviter' | 'invitee' | 'milestone';

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'For a milestone: the count of final referrals it rewards.',
  })
  milestone: number | null;

  @ApiProperty({ example: 100 })
  amount: number;

  @ApiProperty({ example: 'credit', description: 'The host interprets it: credit, coupon, days.' })
  unit: string;

  @ApiProperty({ enum: ['granted', 'fulfilled', 'reversed'] })
  status: 'granted' | 'fulfilled' | 'reversed';

  @ApiProperty()
  granted_at: string;

  @ApiProperty({ type: String, nullable: true })
  fulfilled_at: string | null;

  @ApiProperty({ type: String, nullable: true })
  fulfilment_reference: string | null;

  @ApiProperty({ type: String, nullable: true })
  reversed_at: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'referral_voided' })
  reversal_reason: string | null;
}

export class AdminReferralDetailDto extends AdminReferralDto {
  @ApiProperty({ type: [ReferralMoveDto], description: 'Every step, oldest first.' })
  history: ReferralMoveDto[];

  @ApiProperty({ type: [RewardDto] })
  rewards: RewardDto[];
}

export class HostCallAnswerDto {
  @ApiProperty({
    enum: ['qualified', 'voided', 'already'],
    description: 'What this call did: `already` when an earlier call had (a retry answers as the first).',
  })
  outcome: 'qualified' | 'voided' | 'already';

  @ApiProperty({ type: AdminReferralDto })
  referral: AdminReferralDto;
}

export class BalanceDto {
  @ApiProperty({ example: 'credit' })
  unit: string;

  @ApiProperty({ example: 300, description: 'Granted less reversed.' })
  amount: number;
}

export class RewardsPageDto {
  @ApiProperty({ type: [RewardDto], description: 'Newest first.' })
  items: RewardDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  next_cursor: string | null;

  @ApiProperty({ type: [BalanceDto], description: 'Per unit, over every reward.' })
  balance: BalanceDto[];
}
