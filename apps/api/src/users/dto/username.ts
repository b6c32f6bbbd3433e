import { applyDecorators } from '@nestjs/common';
import { ValidateBy } from 'class-validator';
import { isValidUsername, USERNAME_RULE } from '@app/domain';

/** The one check of a username, wherever a client sends one. */
export const IsUsername = () =>
  applyDecorators(
    ValidateBy({
      name: 'isUsername',
      validator: {
        validate: (value: unknown) => isValidUsername(value),
        defaultMessage: () => `username must be ${USERNAME_RULE}`,
      },
    }),
  );
