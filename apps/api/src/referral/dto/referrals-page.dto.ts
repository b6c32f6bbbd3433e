import { ApiProperty } from '@nestjs/swagger';
import { REFERRAL_STATES, type ReferralState } from '@app/domain';

export class ReferralUserDto {
  @ApiProperty({ example: '+79990000002' })
  phone_number: string;

  @ApiProperty({ example: 'zak' })
  username: string;

  @ApiProperty({ example: '2026-11-26T10:00:00.000Z', description: 'When they activated the code.' })
  activated_at: string;
}

/** A referral as its inviter sees it: where it stands, never the fraud signals behind its verdict. */
export class ReferralListItemDto extends ReferralUserDto {
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  referral_id: string | null;

  @ApiProperty({
    enum: REFERRAL_STATES,
    description:
      'pending (activated), qualified (the qualifying action happened; final after the hold), final (counted and rewarded), void.',
  })
  state: ReferralState;

  @ApiProperty({ description: 'Waiting for a review before it can be final.' })
  in_review: boolean;

  @ApiProperty({ type: String, nullable: true, example: '2026-11-27T10:00:00.000Z' })
  qualified_at: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'When a qualified referral becomes final (unless in review).',
  })
  final_due: string | null;

  @ApiProperty({ type: String, nullable: true })
  final_at: string | null;

  @ApiProperty({ type: String, nullable: true })
  voided_at: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'refund', description: 'Why it was voided.' })
  void_reason: string | null;
}

export class ReferralStateCountsDto {
  @ApiProperty({ example: 3 })
  pending: number;

  @ApiProperty({ example: 1 })
  qualified: number;

  @ApiProperty({ example: 12, description: 'Final referrals: what the leaderboard counts.' })
  final: number;

  @ApiProperty({ example: 0 })
  void: number;

  @ApiProperty({ example: 1, description: 'Pending or qualified referrals waiting for a review.' })
  in_review: number;
}

export class ReferralsPageDto {
  @ApiProperty({ type: [ReferralListItemDto], description: 'Newest first.' })
  items: ReferralListItemDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  next_cursor: string | null;

  @ApiProperty({ example: 1234, description: 'How many users activated this invite code in all (live accounts).' })
  total: number;

  @ApiProperty({
    type: ReferralStateCountsDto,
    description: 'Every referral this code made, by state (those of deleted accounts included).',
  })
  by_state: ReferralStateCountsDto;
}
