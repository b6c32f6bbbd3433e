import { ApiProperty } from '@nestjs/swagger';

export class ReferralUserDto {
  @ApiProperty({ example: '+79990000002' })
  phone_number: string;

  @ApiProperty({ example: 'zak' })
  username: string;

  @ApiProperty({ example: '2026-11-26T10:00:00.000Z' })
  activated_at: string;
}

export class ProfileResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'jhon' })
  username: string;

  @ApiProperty({ example: '+79123456789' })
  phone_number: string;

  @ApiProperty({ example: 'Q3ZK7M', description: 'This user’s own invite code.' })
  referral_code: string;

  @ApiProperty({ example: 'FXM5JD', nullable: true, type: String, description: 'The invite code this user activated.' })
  used_referral_code: string | null;

  @ApiProperty({ example: 2, description: 'How many users activated this user’s invite code.' })
  referrals_count: number;

  @ApiProperty({ type: [ReferralUserDto], description: 'The newest 100 of them, newest first.' })
  referral_users_list: ReferralUserDto[];

  @ApiProperty({ example: '2026-11-26T10:00:00.000Z' })
  created_at: string;
}
