import { randomInt } from 'node:crypto';

export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,25}$/;
export const USERNAME_RULE = '3-25 characters: ASCII letters, digits, "_", "." or "-"';
/** Words that name a route instead of a user. */
export const RESERVED_USERNAMES = new Set(['me']);

export function isValidUsername(value: string): boolean {
  return USERNAME_PATTERN.test(value) && !RESERVED_USERNAMES.has(value.toLowerCase());
}

const GENERATED_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** `user_` and 8 random characters, for users who did not choose a name. */
export function generateUsername(): string {
  let suffix = '';
  for (let i = 0; i < 8; i++) suffix += GENERATED_ALPHABET[randomInt(GENERATED_ALPHABET.length)];
  return `user_${suffix}`;
}
