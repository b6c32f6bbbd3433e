import { randomInt } from 'node:crypto';

/**
 * A username: 3-25 ASCII letters, digits, "_", "." or "-", unique among live
 * users in any case. `me`, the word routes use for the caller, is two characters
 * long, so it can never be one.
 */
export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,25}$/;
export const USERNAME_RULE = '3-25 characters: ASCII letters, digits, "_", "." or "-"';

export function isValidUsername(value: unknown): value is string {
  return typeof value === 'string' && USERNAME_PATTERN.test(value);
}

const GENERATED_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** `user_` and 8 random characters, for users who did not choose a name. */
export function generateUsername(): string {
  let suffix = '';
  for (let i = 0; i < 8; i++) suffix += GENERATED_ALPHABET[randomInt(GENERATED_ALPHABET.length)];
  return `user_${suffix}`;
}
