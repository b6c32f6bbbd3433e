import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

export class RefreshTokenDto {
  @ApiProperty({ description: 'The refresh token from the last sign-in or refresh.' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{20,200}$/, { message: 'refresh_token is not a refresh token' })
  refresh_token: string;
}
