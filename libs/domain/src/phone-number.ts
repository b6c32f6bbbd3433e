// The "mobile" metadata: a number is valid only if it is a mobile one (fixed-line-or-mobile
// ranges included), and it is a fraction of the size of the full metadata.
import { parsePhoneNumberFromString, type CountryCode, isSupportedCountry } from 'libphonenumber-js/mobile';
import { DomainError, ErrorCode } from './errors.js';

const ALLOWED_CHARACTERS = /^[+\d\s().-]{4,32}$/;

export function isPhoneRegion(value: string): value is CountryCode {
  return isSupportedCountry(value);
}

/**
 * Normalises a mobile number to E.164. Accepts international numbers with or
 * without the leading `+` and numbers in the national format of `region`.
 * Anything else, including valid numbers that are not mobile, throws
 * INVALID_PHONE_NUMBER.
 */
export function normalizePhoneNumber(input: unknown, region: CountryCode): string {
  if (typeof input !== 'string') throw invalid();
  const raw = input.trim();
  if (!ALLOWED_CHARACTERS.test(raw)) throw invalid();

  const candidates = raw.startsWith('+') ? [raw] : [raw, `+${raw}`];
  for (const candidate of candidates) {
    const parsed = parsePhoneNumberFromString(candidate, region);
    if (parsed?.isValid()) return parsed.number;
  }
  throw invalid();
}

/** Like normalizePhoneNumber, but answers null instead of throwing. */
export function tryNormalizePhoneNumber(input: unknown, region: CountryCode): string | null {
  try {
    return normalizePhoneNumber(input, region);
  } catch {
    return null;
  }
}

function invalid(): DomainError {
  return new DomainError(ErrorCode.INVALID_PHONE_NUMBER);
}

/** The country (ISO 3166 alpha-2) a normalised number belongs to, or null when the plan is shared and unnamed. */
export function phoneCountry(e164: string): CountryCode | null {
  return parsePhoneNumberFromString(e164)?.country ?? null;
}

/**
 * The block of 1,000 numbers a number belongs to: its E.164 form without the
 * last three digits. SMS pumping walks such ranges.
 */
export function numberBlock(e164: string): string {
  return e164.slice(0, -3);
}
