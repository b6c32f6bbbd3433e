import fc from 'fast-check';
import { scrubPhones } from './logging.js';

/** A phone number's digits written as people and programs write them: E.164, spaced, dashed, URL-encoded. */
const writtenPhone = fc
  .tuple(
    fc.stringMatching(/^[1-9]\d{0,2}$/),
    fc.stringMatching(/^\d{7,11}$/),
    fc.constantFrom('e164', 'spaced', 'dashed', 'encoded', 'encoded-spaces'),
  )
  .map(([country, national, form]) => {
    const groups = national.match(/.{1,3}/g)!;
    switch (form) {
      case 'spaced':
        return `+${country} ${groups.join(' ')}`;
      case 'dashed':
        return `+${country} (${groups[0]}) ${groups.slice(1).join('-')}`;
      case 'encoded':
        return `%2B${country}${national}`;
      case 'encoded-spaces':
        return `+${country}%20${groups.join('%20')}`;
      default:
        return `+${country}${national}`;
    }
  });

describe('scrubPhones', () => {
  it('leaves no phone number in a line, however it is written and wherever it stands', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), writtenPhone, fc.string({ maxLength: 40 }), (before, phone, after) => {
        const line = JSON.stringify({ msg: `${before}${phone}${after}`, url: `/x/${phone}/` });
        const scrubbed = scrubPhones(line);
        expect(scrubbed).not.toContain(phone);
        expect(scrubbed).toContain('[phone]');
      }),
      { numRuns: 2_000 },
    );
  });

  it('keeps what is not a phone number: times, ids, counts, durations', () => {
    const line = JSON.stringify({
      level: 30,
      time: 1765023600123,
      pid: 41235,
      reqId: '6f1c2a8e-4d1b-4c55-9b0e-2f4f0f2c9a11',
      msg: 'request',
      url: '/api/v1/users/:username',
      ms: 1234,
      budget: 'block:79990012',
      note: 'retry in +15 s, 2026-12-06T20:00:00.000Z',
    });
    expect(scrubPhones(line)).toBe(line);
  });
});
