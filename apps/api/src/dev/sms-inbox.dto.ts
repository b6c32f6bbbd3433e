import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';

export class SmsInboxQueryDto {
  @ApiProperty({ example: '+79123456789' })
  @IsString()
  @MaxLength(32)
  phone_number: string;
}

export class SmsMessageDto {
  @ApiProperty({ example: '+79123456789' })
  to: string;

  @ApiProperty({ example: 'Your sign-in code is 1234. It expires in 5 min. Never share it with anyone.' })
  text: string;

  @ApiProperty({ example: '2026-11-26T10:00:01.512Z' })
  sent_at: string;
}

export class SmsInboxResponseDto {
  @ApiProperty({ type: [SmsMessageDto], description: 'The newest 20 messages, newest first.' })
  items: SmsMessageDto[];
}
