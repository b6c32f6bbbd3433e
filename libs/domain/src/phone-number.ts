// The full ("max") metadata: a number's type is only right when every type's ranges are known
// (the "mobile" metadata called a Botswanan VoIP range mobile, and passed the plans of no
// country: +800, +808, +870, +878, +881, +882, +883, +888, +979). sendable() decides.
import {
  parsePhoneNumberFromString,
  type CountryCode,
  isSupportedCountry,
  type NumberType,
  type PhoneNumber,
} from 'libphonenumber-js/max';
import { DomainError, ErrorCode } from './errors.js';

const ALLOWED_CHARACTERS = /^[+\d\s().-]{4,32}$/;

export function isPhoneRegion(value: string): value is CountryCode {
  return isSupportedCountry(value);
}

/** The types a code may be sent to: a mobile, or a range whose plan cannot tell mobile from fixed (the US, …). */
export const SENDABLE_TYPES: ReadonlySet<NumberType> = new Set<NumberType>(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

/**
 * Codes go only to numbers that belong to a country and are of a mobile-capable
 * type (SPEC section 11): premium rate, toll free, shared cost, VoIP, personal,
 * pager, UAN, voicemail, satellite and the other non-geographic plans are where
 * toll fraud lives, and no country deny-list reaches the ones of no country.
 */
function sendable(parsed: PhoneNumber): boolean {
  const type = parsed.getType();
  return parsed.isValid() && parsed.country !== undefined && type !== undefined && SENDABLE_TYPES.has(type);
}

/**
 * Normalises a mobile number to E.164. Accepts international numbers with or
 * without the leading `+` and numbers in the national format of `region`.
 * Anything else, including valid numbers that are not mobile or belong to no
 * country, throws INVALID_PHONE_NUMBER.
 */
export function normalizePhoneNumber(input: unknown, region: CountryCode): string {
  if (typeof input !== 'string') throw invalid();
  const raw = input.trim();
  if (!ALLOWED_CHARACTERS.test(raw)) throw invalid();

  const candidates = raw.startsWith('+') ? [raw] : [raw, `+${raw}`];
  for (const candidate of candidates) {
    const parsed = parsePhoneNumberFromString(candidate, region);
    if (parsed && sendable(parsed)) return parsed.number;
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

/**
 * What a referral's fraud signals read of a normalised number: its country and
 * its type in lower case (`mobile`, `fixed_line_or_mobile`), null when unknown.
 */
export function phoneFacts(e164: string): { country: string | null; type: string | null } {
  const parsed = parsePhoneNumberFromString(e164);
  return { country: parsed?.country ?? null, type: parsed?.getType()?.toLowerCase() ?? null };
}
