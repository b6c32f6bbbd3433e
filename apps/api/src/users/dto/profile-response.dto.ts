import { ApiProperty } from '@nestjs/swagger';
import { ReferralStateCountsDto, ReferralUserDto } from '../../referral/dto/referrals-page.dto.js';

/** A user as the users resource lists them. */
export class UserResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'jhon' })
  username: string;

  @ApiProperty({ example: '+79123456789' })
  phone_number: string;

  @ApiProperty({ example: 'Q3ZK7M', description: 'This user’s own invite code.' })
  referral_code: string;

  @ApiProperty({
    example: 'FXM5JD',
    nullable: true,
    type: String,
    description: 'The invite code this user activated; null until then.',
  })
  used_referral_code: string | null;

  @ApiProperty({
    example: 'zak',
    nullable: true,
    type: String,
    description: 'The username of whoever owns `used_referral_code`; null before an activation, or once they left.',
  })
  referred_by: string | null;

  @ApiProperty({
    example: 'http://127.0.0.1:3000/?ref=Q3ZK7M',
    description: 'The invite link to share: `{PUBLIC_URL}/?ref={referral_code}`.',
  })
  invite_url: string;

  @ApiProperty({ example: 2, description: 'How many users activated this user’s invite code.' })
  referrals_count: number;

  @ApiProperty({
    type: ReferralStateCountsDto,
    description: 'This user’s referrals by state (SPEC section 13); the leaderboard counts `final`.',
  })
  referrals_by_state: ReferralStateCountsDto;

  @ApiProperty({ example: '2026-11-26T10:00:00.000Z' })
  created_at: string;
}

/** The profile: a user and the newest of the users who activated their code. */
export class ProfileResponseDto extends UserResponseDto {
  @ApiProperty({
    type: [ReferralUserDto],
    description: 'The newest 100, newest first; page through all of them at /users/{username}/referrals/.',
  })
  referral_users_list: ReferralUserDto[];
}

export class UsersPageDto {
  @ApiProperty({ type: [UserResponseDto], description: 'Newest first.' })
  items: UserResponseDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  next_cursor: string | null;
}
