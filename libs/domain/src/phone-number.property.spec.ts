import fc from 'fast-check';
import { normalizePhoneNumber, tryNormalizePhoneNumber } from './phone-number.js';

/** Mobile ranges libphonenumber knows, so every generated number is a real one. */
const RU_MOBILE_PREFIXES = ['900', '903', '905', '912', '916', '926', '950', '977', '985', '999'];
const SEPARATORS = ['', ' ', '-', '.', '  ', ' - '];

const ruMobile = fc.record({
  prefix: fc.constantFrom(...RU_MOBILE_PREFIXES),
  rest: fc.stringMatching(/^\d{7}$/),
});

/** The same number as people type it: any country prefix style, grouping, separators and padding. */
const writtenForm = fc.record({
  number: ruMobile,
  lead: fc.constantFrom('+7', '+7 ', '7', '8', '8 ', ''),
  separators: fc.array(fc.constantFrom(...SEPARATORS), { minLength: 4, maxLength: 4 }),
  parens: fc.boolean(),
  padLeft: fc.constantFrom('', ' ', '\t'),
  padRight: fc.constantFrom('', ' ', '\n'),
});

describe('normalizePhoneNumber, for every way of writing one number', () => {
  it('gives one E.164 value for every way of writing a Russian mobile', () => {
    fc.assert(
      fc.property(writtenForm, ({ number, lead, separators, parens, padLeft, padRight }) => {
        const { prefix, rest } = number;
        const area = parens ? `(${prefix})` : prefix;
        const groups = [rest.slice(0, 3), rest.slice(3, 5), rest.slice(5, 7)];
        const written = `${padLeft}${lead}${separators[0]}${area}${separators[1]}${groups[0]}${separators[2]}${groups[1]}${separators[3]}${groups[2]}${padRight}`;
        expect(normalizePhoneNumber(written, 'RU')).toBe(`+7${prefix}${rest}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives one E.164 value for a British mobile written internationally, whatever the region', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\d{8}$/),
        fc.constantFrom('+44', '+44 ', '44'),
        fc.constantFrom(...SEPARATORS),
        fc.constantFrom('RU', 'US', 'DE', 'GB'),
        (rest, lead, separator, region) => {
          // Only numbers in ranges that are handed out: the property is about the writing.
          fc.pre(tryNormalizePhoneNumber(`+4479${rest}`, 'GB') !== null);
          const written = `${lead}${separator}79${rest.slice(0, 2)}${separator}${rest.slice(2)}`;
          expect(normalizePhoneNumber(written, region)).toBe(`+4479${rest}`);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('never throws anything but INVALID_PHONE_NUMBER, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[+\d\s().-]{0,40}$/), fc.anything()), (input) => {
        try {
          expect(normalizePhoneNumber(input, 'RU')).toMatch(/^\+[1-9]\d{6,14}$/);
        } catch (error) {
          expect(error).toMatchObject({ code: 'INVALID_PHONE_NUMBER' });
        }
      }),
      { numRuns: 3000 },
    );
  });
});
