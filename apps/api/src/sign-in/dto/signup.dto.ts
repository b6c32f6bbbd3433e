import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Matches, MaxLength } from 'class-validator';
import { CHANNELS, type Channel } from '@app/platform';
import { LOCALE_MAX_LENGTH, LOCALE_PATTERN, USERNAME_RULE } from '@app/domain';
import { IfPresent } from '../../common/if-present.js';
import { IsUsername } from '../../users/dto/username.js';

export class SignupDto {
  @ApiProperty({
    example: '+7 912 345-67-89',
    description:
      'A mobile number: international, with or without "+", or in the national format of DEFAULT_PHONE_REGION.',
  })
  @IsString()
  @MaxLength(32)
  phone_number: string;

  @ApiPropertyOptional({
    example: 'jhon',
    description: `Wanted username for a new user (${USERNAME_RULE}); ignored when the number already has a user.`,
  })
  @IfPresent()
  @IsUsername()
  username?: string;

  @ApiPropertyOptional({
    example: 'ru',
    description:
      "The language of the code's message, as a BCP 47 tag (`ru`, `pt-BR`): its language's templates when the " +
      "deployment has them; otherwise, or without it, the number's country's language (SMS_COUNTRY_LOCALES), " +
      'else SMS_DEFAULT_LOCALE.',
    maxLength: LOCALE_MAX_LENGTH,
  })
  @IfPresent()
  @IsString()
  @MaxLength(LOCALE_MAX_LENGTH)
  @Matches(LOCALE_PATTERN, { message: 'locale must be a BCP 47 language tag such as ru or pt-BR' })
  locale?: string;

  @ApiPropertyOptional({
    enum: CHANNELS,
    example: 'whatsapp',
    description:
      'The channel the person would rather read the code in. Its transports go first when the deployment has ' +
      'them (SMS_TRANSPORT); otherwise the deployment’s order. The answer says which channel goes first.',
  })
  @IfPresent()
  @IsIn(CHANNELS, { message: `channel must be one of ${CHANNELS.join(', ')}` })
  channel?: Channel;

  @ApiPropertyOptional({
    example: '0.zrSnRHO7h0HwSjSCU8oyzbjEtD8p.d62306d4ee00c77dda697f959ebbd7bd97',
    description:
      'The bot-check widget’s token (Turnstile, hCaptcha or reCAPTCHA, as BOT_CHECK_PROVIDER says). Required ' +
      'when the deployment asks for a check (always, or for an address, a country or a number range over its ' +
      'threshold): without it, or with a bad one, 403 BOT_CHECK_FAILED.',
    maxLength: 2048,
  })
  @IfPresent()
  @IsString()
  @MaxLength(2048)
  bot_check_token?: string;
}
