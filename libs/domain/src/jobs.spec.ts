import { EventRetryPolicy } from './jobs.js';

describe('EventRetryPolicy', () => {
  const policy = new EventRetryPolicy([5, 30, 300]);

  it('gives the job one attempt more than the schedule has delays, under the event id', () => {
    expect(policy.jobOptions('e1')).toMatchObject({ jobId: 'e1', attempts: 4, backoff: { type: 'event-schedule' } });
  });

  it('waits each scheduled delay, within ±10%, then gives up when the schedule is spent', () => {
    for (const [attempts, seconds] of [
      [1, 5],
      [2, 30],
      [3, 300],
    ] as const) {
      expect(policy.next(attempts, null, () => 0)).toBe(seconds * 900);
      expect(policy.next(attempts, null, () => 0.5)).toBe(seconds * 1000);
      expect(policy.next(attempts, null, () => 1)).toBe(seconds * 1100);
    }
    expect(policy.next(4, null)).toBeNull();
    expect(policy.next(4, 60_000)).toBeNull();
  });

  it("waits the receiver's Retry-After when it asks for longer, never less than the schedule", () => {
    expect(policy.next(1, 60_000, () => 0.5)).toBe(60_000);
    expect(policy.next(2, 1_000, () => 0.5)).toBe(30_000);
  });

  it('with an empty schedule, tries once', () => {
    const once = new EventRetryPolicy([]);
    expect(once.jobOptions('e').attempts).toBe(1);
    expect(once.next(1, null)).toBeNull();
  });
});
