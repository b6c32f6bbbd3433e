import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class LeaderboardQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 10 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export class LeaderEntryDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'jhon' })
  username: string;

  @ApiProperty({
    example: 42,
    description: 'How many of this user’s referrals are final (SPEC section 13): qualified, past their hold, not void.',
  })
  referrals_count: number;
}

export class LeaderboardDto {
  @ApiProperty({ type: [LeaderEntryDto], description: 'Most referrals first; ties by id.' })
  items: LeaderEntryDto[];
}
