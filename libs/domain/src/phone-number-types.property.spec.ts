import fc from 'fast-check';
import libphonenumber from 'google-libphonenumber';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { SENDABLE_TYPES, tryNormalizePhoneNumber } from './phone-number.js';

/**
 * The class "a number of a type codes must not go to", generated rather than
 * listed: Google's libphonenumber (the reference implementation, a separate
 * library with its own metadata) hands out an example number for every type of
 * every region and of every non-geographic plan; ours must accept exactly the
 * mobile-capable ones that belong to a country.
 */
const { PhoneNumberUtil, PhoneNumberType, PhoneNumberFormat } = libphonenumber;
/** Two methods of the library that its published types leave out. */
interface NonGeographic {
  getSupportedGlobalNetworkCallingCodes(): number[];
  getExampleNumberForNonGeoEntity(callingCode: number): libphonenumber.PhoneNumber | undefined;
}
const util = PhoneNumberUtil.getInstance() as libphonenumber.PhoneNumberUtil & NonGeographic;
const TYPES = Object.entries(PhoneNumberType).filter(([name]) => name !== 'UNKNOWN') as Array<[string, number]>;
const MOBILE_CAPABLE = new Set([PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE]);

interface Example {
  e164: string;
  type: string;
  region: string | null;
  /** What Google's library says of the example it made: its type and its region ("001": none). */
  sendable: boolean;
}

function examples(): Example[] {
  const found: Example[] = [];
  const add = (number: libphonenumber.PhoneNumber | undefined, type: string, region: string | null) => {
    if (!number) return;
    const actualRegion: string | undefined = util.getRegionCodeForNumber(number);
    const actualType = util.getNumberType(number);
    found.push({
      e164: util.format(number, PhoneNumberFormat.E164),
      type,
      region,
      sendable: MOBILE_CAPABLE.has(actualType) && !!actualRegion && actualRegion !== '001',
    });
  };
  for (const region of util.getSupportedRegions()) {
    for (const [name, type] of TYPES) add(util.getExampleNumberForType(region, type), name, region);
  }
  for (const code of util.getSupportedGlobalNetworkCallingCodes()) {
    add(util.getExampleNumberForNonGeoEntity(code), 'NON_GEOGRAPHIC', null);
  }
  return found;
}

describe('which numbers a code may go to, for every type of every region', () => {
  const all = examples();
  const accepted = (example: Example) => tryNormalizePhoneNumber(example.e164, 'RU') !== null;

  it('walks thousands of example numbers of every type, geographic and not', () => {
    expect(all.length).toBeGreaterThan(1000);
    const types = new Set(all.map((example) => example.type));
    for (const type of [
      'PREMIUM_RATE',
      'TOLL_FREE',
      'SHARED_COST',
      'VOIP',
      'PERSONAL_NUMBER',
      'PAGER',
      'UAN',
      'VOICEMAIL',
      'NON_GEOGRAPHIC',
    ]) {
      expect(types).toContain(type);
    }
  });

  /**
   * Where the two libraries' metadata (of different dates) disagree on a number's
   * type, ours is what the product runs on: such a number is told apart and counted,
   * never silently passed.
   */
  const ourMetadataSaysSendable = (example: Example) => {
    const parsed = parsePhoneNumberFromString(example.e164);
    const type = parsed?.getType();
    return !!parsed?.country && type !== undefined && SENDABLE_TYPES.has(type);
  };

  it('refuses every example of a type that is not mobile-capable, or of no country', () => {
    const wronglyAccepted = all.filter((example) => !example.sendable && accepted(example));
    const drift = wronglyAccepted.filter(ourMetadataSaysSendable);
    expect(wronglyAccepted.filter((example) => !drift.includes(example))).toEqual([]);
    expect(drift.length).toBeLessThanOrEqual(Math.ceil(all.length * 0.01));
    expect(all.filter((example) => !example.sendable).length).toBeGreaterThan(500);
  });

  it('accepts the mobile and fixed-line-or-mobile examples of the regions', () => {
    const mobile = all.filter((example) => example.sendable);
    const refused = mobile.filter((example) => !accepted(example));
    expect(refused.filter(ourMetadataSaysSendable)).toEqual([]);
    expect(refused.length).toBeLessThanOrEqual(Math.ceil(mobile.length * 0.01));
    expect(mobile.length).toBeGreaterThan(200);
  });

  it('refuses the reviewed attacks: international premium rate, toll free, VoIP and satellite numbers', () => {
    for (const number of ['+979123456789', '+80012345678', '+88213000000', '+881612345678', '+870773111632']) {
      expect({ number, accepted: tryNormalizePhoneNumber(number, 'RU') !== null }).toEqual({ number, accepted: false });
    }
  });

  it('refuses any number of a non-geographic plan, whatever its digits', () => {
    const plans = util.getSupportedGlobalNetworkCallingCodes();
    fc.assert(
      fc.property(fc.constantFrom(...plans), fc.stringMatching(/^\d{6,12}$/), (plan, digits) => {
        expect(tryNormalizePhoneNumber(`+${plan}${digits}`, 'RU')).toBeNull();
      }),
      { numRuns: 3000 },
    );
  });
});
