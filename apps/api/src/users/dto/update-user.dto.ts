import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { IfPresent } from '../../common/if-present.js';
import { REFERRAL_CODE_PATTERN, USERNAME_RULE } from '@app/domain';
import { IsUsername } from './username.js';

/** A username or an activated code cannot be unset: null is refused (IfPresent). */
const UNLESS_ABSENT = IfPresent();

const USED_REFERRAL_CODE = {
  example: 'FXM5JD',
  description: 'Someone else’s invite code (any case); once activated it cannot change.',
};

/**
 * The writable fields. Everything else (phone_number, referral_code, id, the
 * lists, unknown fields) is refused with 400 by the whitelist.
 */
export class UpdateUserDto {
  @ApiPropertyOptional({ example: 'jhon', description: USERNAME_RULE })
  @UNLESS_ABSENT
  @IsUsername()
  username?: string;

  @ApiPropertyOptional(USED_REFERRAL_CODE)
  @UNLESS_ABSENT
  @IsString()
  @Matches(REFERRAL_CODE_PATTERN, { message: 'used_referral_code must be 6 letters or digits' })
  used_referral_code?: string;
}

/** PUT replaces the writable fields: username is required (no subclass: ValidateIf would carry over). */
export class ReplaceUserDto {
  @ApiProperty({ example: 'jhon', description: USERNAME_RULE })
  @IsUsername()
  username: string;

  @ApiPropertyOptional(USED_REFERRAL_CODE)
  @UNLESS_ABSENT
  @IsString()
  @Matches(REFERRAL_CODE_PATTERN, { message: 'used_referral_code must be 6 letters or digits' })
  used_referral_code?: string;
}
