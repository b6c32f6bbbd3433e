import { jest } from '@jest/globals';
import { DomainError, ErrorCode } from '@app/domain';
import type { AppConfig } from '@app/platform';
import type { ApiMetrics } from '../metrics/api-metrics.js';
import { ConversionRepository, rangeEnd, type RangeConversion } from './conversion.repository.js';
import { PumpingService } from './pumping.service.js';
import { SmsBudgetStore, type BudgetClaim, type Reservation } from './sms-budget.store.js';

/** The budgets in memory: each key's reservations by request id (the real stores are the e2e tests'). */
class MemoryBudgets extends SmsBudgetStore {
  readonly held = new Map<string, Set<string>>();

  reserve(requestId: string, claims: BudgetClaim[]): Promise<Reservation> {
    const full = claims.find((claim) => (this.held.get(claim.key)?.size ?? 0) >= claim.limit);
    if (full) return Promise.resolve({ granted: false, key: full.key, retryAfterMs: 1500 });
    for (const claim of claims) this.held.set(claim.key, (this.held.get(claim.key) ?? new Set()).add(requestId));
    return Promise.resolve({ granted: true });
  }

  release(requestId: string, keys: string[]): Promise<void> {
    for (const key of keys) this.held.get(key)?.delete(requestId);
    return Promise.resolve();
  }

  firstTrip(): Promise<boolean> {
    return Promise.resolve(false);
  }

  count(key: string): number {
    return this.held.get(key)?.size ?? 0;
  }
}

const pumping = {
  perHour: 3,
  perCountryPerHour: 2,
  perBlockPerHour: 1,
  countriesAllowed: null,
  countriesDenied: new Set(),
};
const counted: string[] = [];
const trips: string[] = [];
const metrics = {
  otpRequests: { count: (outcome: string) => counted.push(outcome) },
  smsConversionTrips: { labels: (country: string, mode: string) => ({ inc: () => trips.push(`${country} ${mode}`) }) },
} as unknown as ApiMetrics;

/** What the code requests say of each range, and which ranges were asked about (the real reads are the e2e tests'). */
class StubConversions {
  readonly asked: string[] = [];
  constructor(readonly byRange: Record<string, RangeConversion> = {}) {}
  conversionOf(range: string): Promise<RangeConversion> {
    this.asked.push(range);
    return Promise.resolve(this.byRange[range] ?? { sent: 0, verified: 0 });
  }
}

function service(budgets = new MemoryBudgets(), conversions = new StubConversions(), settings: object = pumping) {
  return {
    budgets,
    conversions,
    pumping: new PumpingService(
      { pumping: settings } as unknown as AppConfig,
      budgets,
      metrics,
      conversions as unknown as ConversionRepository,
    ),
  };
}

const created = () => Promise.resolve({ outcome: 'created' });
const refused = () => Promise.resolve({ outcome: 'cooldown' });
const made = (result: { outcome: string }) => result.outcome === 'created';

describe('PumpingService.withBudgets, the one owner of a code’s budgets', () => {
  beforeEach(() => counted.splice(0));

  it('claims the deployment, the country and the block of 1,000 numbers', () => {
    expect(
      service()
        .pumping.claimsFor('+79991234567')
        .map((claim) => claim.key),
    ).toEqual(['deployment', 'country:RU', 'block:+79991234']);
  });

  it('keeps the reservation of a code that was made', async () => {
    const { budgets, pumping: guard } = service();
    await guard.withBudgets('r1', '+79991234567', false, created, made);
    expect([budgets.count('deployment'), budgets.count('country:RU'), budgets.count('block:+79991234')]).toEqual([
      1, 1, 1,
    ]);
  });

  it('gives the room back when the per-phone rules refused the code, and when making it failed', async () => {
    const { budgets, pumping: guard } = service();
    await guard.withBudgets('r1', '+79991234567', false, refused, made);
    await expect(
      guard.withBudgets('r2', '+79991234567', false, () => Promise.reject(new Error('database away')), made),
    ).rejects.toThrow('database away');
    expect(budgets.count('deployment')).toBe(0);
    expect(budgets.count('block:+79991234')).toBe(0);
  });

  it('refuses before anything is made when a budget has no room, with Retry-After, and counts it', async () => {
    const { pumping: guard } = service();
    await guard.withBudgets('r1', '+79991234567', false, created, made);
    let called = false;
    const create = () => ((called = true), created());
    const refusal = await guard.withBudgets('r2', '+79991234500', false, create, made).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal).toMatchObject({ code: ErrorCode.SMS_BUDGET_EXCEEDED, extra: { retryAfterSeconds: 2 } });
    expect(called).toBe(false);
    expect(counted).toEqual(['budget_exceeded']);
  });

  it('claims nothing for an exempt number, however full the budgets are', async () => {
    const { budgets, pumping: guard } = service();
    await guard.withBudgets('r1', '+79991234567', false, created, made);
    for (const id of ['t1', 't2', 't3']) await guard.withBudgets(id, '+79991234568', true, created, made);
    expect(budgets.count('deployment')).toBe(1);
  });
});

describe('PumpingService.checkConversion, pumping seen by who never verifies', () => {
  const conversion = (mode: 'enforce' | 'shadow') => ({
    ...pumping,
    conversion: { mode, minRatio: 0.2, minCodes: 50, windowSeconds: 3600, settleSeconds: 120, rangeDigits: 5 },
  });
  beforeEach(() => {
    counted.splice(0);
    trips.splice(0);
  });

  it('asks nothing when it is off', async () => {
    const { pumping: guard, conversions } = service();
    await guard.checkConversion('+79161900123');
    expect(conversions.asked).toEqual([]);
  });

  it('refuses a range of many numbers that did not verify with 429 SMS_BUDGET_EXCEEDED, and counts it', async () => {
    const stub = new StubConversions({ '+791619': { sent: 60, verified: 3 } });
    const { pumping: guard } = service(undefined, stub, conversion('enforce'));
    const refusal = await guard.checkConversion('+79161900123').catch((error: unknown) => error);
    expect(refusal).toMatchObject({ code: ErrorCode.SMS_BUDGET_EXCEEDED, extra: { retryAfterSeconds: 5 } });
    expect(counted).toEqual(['budget_exceeded']);
    expect(trips).toEqual(['RU enforce']);
  });

  it('lets a range through below the floor, or above the ratio, and another range beside an attacked one', async () => {
    const stub = new StubConversions({
      '+791619': { sent: 49, verified: 0 },
      '+791611': { sent: 500, verified: 100 },
      '+791612': { sent: 5000, verified: 0 },
    });
    const { pumping: guard } = service(undefined, stub, conversion('enforce'));
    await guard.checkConversion('+79161900123');
    await guard.checkConversion('+79161100123');
    await guard.checkConversion('+79171234567');
    expect(counted).toEqual([]);
  });

  it('only counts in shadow mode', async () => {
    const stub = new StubConversions({ '+791619': { sent: 60, verified: 0 } });
    const { pumping: guard } = service(undefined, stub, conversion('shadow'));
    await guard.checkConversion('+79161900123');
    expect(counted).toEqual([]);
    expect(trips).toEqual(['RU shadow']);
  });

  it('reads a range once per five seconds, whatever the number of codes to it', async () => {
    const stub = new StubConversions();
    const { pumping: guard } = service(undefined, stub, conversion('enforce'));
    for (const last of ['00', '01', '02']) await guard.checkConversion(`+791619001${last}`);
    expect(stub.asked).toEqual(['+791619']);
  });

  it('reads a range once for the codes that arrive while it is read, and again once the reading is old', async () => {
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now);
    try {
      const stub = new StubConversions({ '+791619': { sent: 100, verified: 1 } });
      const { pumping: guard } = service(undefined, stub, conversion('shadow'));
      const burst = () =>
        Promise.all(Array.from({ length: 200 }, (_, n) => guard.conversionLow(`+791619${String(n).padStart(5, '0')}`)));
      expect(new Set(await burst())).toEqual(new Set([true]));
      expect(stub.asked).toEqual(['+791619']);
      clock.mockReturnValue(now + 5_001);
      expect(new Set(await burst())).toEqual(new Set([true]));
      expect(stub.asked).toEqual(['+791619', '+791619']);
    } finally {
      clock.mockRestore();
    }
  });

  it('lets every code waiting on a read that failed see the failure, and reads again for the next', async () => {
    const stub = new StubConversions();
    let failures = 1;
    const conversionOf = stub.conversionOf.bind(stub);
    stub.conversionOf = (range: string) => {
      if (failures-- > 0) {
        stub.asked.push(range);
        return Promise.reject(new Error('database away'));
      }
      return conversionOf(range);
    };
    const { pumping: guard } = service(undefined, stub, conversion('enforce'));
    const waiting = await Promise.allSettled([1, 2, 3].map((n) => guard.conversionLow(`+79161900${n}00`)));
    expect(waiting.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(await guard.conversionLow('+79161904000')).toBe(false);
    expect(stub.asked).toEqual(['+791619', '+791619']);
  });

  it('bounds a range by the first number after it, in plain digits', () => {
    expect(rangeEnd('+4477009')).toBe('+447701');
    expect(rangeEnd('+79169')).toBe('+7917');
    expect(rangeEnd('+7916123')).toBe('+7916124');
    expect(rangeEnd('+999')).toBeNull();
  });
});
