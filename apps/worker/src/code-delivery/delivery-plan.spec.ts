import { planDelivery, type PastAttempt } from './delivery-plan.js';

const twilio = { name: 'twilio', idempotent: false };
const vonage = { name: 'vonage', idempotent: false };
const webhook = { name: 'webhook', idempotent: true };

describe('planDelivery', () => {
  const plan = (attempts: PastAttempt[], transports = [twilio, vonage]) => planDelivery(transports, attempts);

  it('tries every transport in order on a first run', () => {
    expect(plan([])).toEqual({ tryInOrder: ['twilio', 'vonage'] });
  });

  it('never hands a message again once a transport took it', () => {
    expect(plan([{ transport: 'vonage', state: 'accepted' }])).toEqual({ accepted: 'vonage' });
  });

  it('tries again a transport that refused for now', () => {
    expect(plan([{ transport: 'twilio', state: 'transient' }])).toEqual({ tryInOrder: ['twilio', 'vonage'] });
  });

  it('skips a transport that refused for good', () => {
    expect(plan([{ transport: 'twilio', state: 'permanent' }])).toEqual({ tryInOrder: ['vonage'] });
  });

  it.each(['ambiguous', 'sending'] as const)('skips a transport that may have taken it (%s)', (state) => {
    expect(plan([{ transport: 'twilio', state }])).toEqual({ tryInOrder: ['vonage'] });
  });

  it('tries again a transport that drops repeats itself, even after an ambiguous attempt', () => {
    expect(plan([{ transport: 'webhook', state: 'ambiguous' }], [webhook])).toEqual({ tryInOrder: ['webhook'] });
  });

  it('leaves nothing to try when every transport is out', () => {
    expect(
      plan([
        { transport: 'twilio', state: 'ambiguous' },
        { transport: 'vonage', state: 'permanent' },
      ]),
    ).toEqual({ tryInOrder: [] });
  });
});
