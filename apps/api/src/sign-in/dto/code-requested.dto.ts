import { ApiProperty } from '@nestjs/swagger';
import { CHANNELS, type Channel } from '@app/platform';

export class CodeRequestedDto {
  @ApiProperty({ example: '+79123456789', description: 'The number, normalised to E.164.' })
  phone_number: string;

  @ApiProperty({ example: 300, description: 'Seconds until the code expires.' })
  expires_in: number;

  @ApiProperty({ example: 60, description: 'Seconds until a new code may be requested.' })
  resend_in: number;

  @ApiProperty({
    enum: CHANNELS,
    example: 'sms',
    description:
      'The channel the code goes through first (the page says “check WhatsApp”). When it cannot deliver, the ' +
      'next channel of the deployment’s order takes the same code.',
  })
  channel: Channel;
}
