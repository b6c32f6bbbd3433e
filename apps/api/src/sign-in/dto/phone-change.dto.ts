import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';
import { OTP_PATTERN } from '@app/domain';

export class PhoneChangeDto {
  @ApiProperty({ example: '+79123456780', description: 'The new number: a code is sent to it.' })
  @IsString()
  @MaxLength(32)
  phone_number: string;
}

export class PhoneChangeConfirmDto {
  @ApiProperty({ example: '+79123456780', description: 'The new number, as in the request.' })
  @IsString()
  @MaxLength(32)
  phone_number: string;

  @ApiProperty({ example: '1234', description: 'The 4-digit code sent to the new number.' })
  @IsString()
  @Matches(OTP_PATTERN, { message: 'code must be 4 digits' })
  code: string;
}
