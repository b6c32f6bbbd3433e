import { ApiProperty } from '@nestjs/swagger';

export class SessionDto {
  @ApiProperty({ format: 'uuid', description: 'The session’s id: DELETE /users/me/sessions/{id}/ ends it.' })
  id: string;

  @ApiProperty({ example: 'Chrome 131 on Android 14', description: 'Read from the User-Agent at sign-in.' })
  device: string;

  @ApiProperty({ type: String, nullable: true, description: 'The User-Agent at sign-in, cut to 512 characters.' })
  user_agent: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '203.0.113.7',
    description: 'The client address of the last use (sign-in or refresh).',
  })
  ip_address: string | null;

  @ApiProperty({ example: '2026-12-01T10:00:00.000Z', description: 'The sign-in.' })
  created_at: string;

  @ApiProperty({
    example: '2026-12-07T09:45:00.000Z',
    description: 'The last sign-in or refresh: to within an access token’s 15 minutes.',
  })
  last_used_at: string;

  @ApiProperty({ example: '2027-03-01T10:00:00.000Z', description: 'The absolute end: no refresh after it.' })
  expires_at: string;

  @ApiProperty({ description: 'Whether this is the session of the token that asked.' })
  current: boolean;
}

export class SessionsDto {
  @ApiProperty({ type: [SessionDto], description: 'Live sessions, the most recently used first.' })
  items: SessionDto[];
}

export class SessionsEndedDto {
  @ApiProperty({ example: 2, description: 'How many sessions were ended.' })
  ended: number;
}
