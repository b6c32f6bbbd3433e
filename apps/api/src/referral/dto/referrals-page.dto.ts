import { ApiProperty } from '@nestjs/swagger';

export class ReferralUserDto {
  @ApiProperty({ example: '+79990000002' })
  phone_number: string;

  @ApiProperty({ example: 'zak' })
  username: string;

  @ApiProperty({ example: '2026-11-26T10:00:00.000Z', description: 'When they activated the code.' })
  activated_at: string;
}

export class ReferralsPageDto {
  @ApiProperty({ type: [ReferralUserDto], description: 'Newest first.' })
  items: ReferralUserDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  next_cursor: string | null;

  @ApiProperty({ example: 1234, description: 'How many users activated this invite code in all.' })
  total: number;
}
