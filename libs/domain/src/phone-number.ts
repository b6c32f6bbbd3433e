import { parsePhoneNumberFromString, type CountryCode, isSupportedCountry } from 'libphonenumber-js/max';
import { DomainError, ErrorCode } from './errors.js';

const MOBILE_TYPES = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);
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
    if (parsed?.isValid() && MOBILE_TYPES.has(parsed.getType() ?? '')) return parsed.number;
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
