import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { PostgresSmsBudgetStore } from '../apps/api/src/pumping/postgres-sms-budget.store.js';
import type { BudgetClaim, Reservation } from '../apps/api/src/pumping/sms-budget.store.js';
import { RetentionSweep } from '../apps/worker/src/retention/retention.sweep.js';
import { startStack, type Stack } from './support/stack.js';

const HOUR_MS = 3_600_000;

/**
 * The SMS budgets of a deployment without Redis: each budget's count in the
 * rolling hour is one row (sms_budget_counts), kept by the triggers of the
 * hits' table whatever writes it. Tested against the real PostgreSQL through
 * the store the API uses, with reservations racing on the pool's connections.
 */
describe('the SMS budgets on PostgreSQL', () => {
  let stack: Stack;
  let store: PostgresSmsBudgetStore;

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    store = new PostgresSmsBudgetStore(stack.db);
  });
  afterAll(async () => {
    await stack.close();
  });

  /** Per budget of these: its count row, and its rows in the log (in the window, and all). */
  const tally = async (keys: string[]) => {
    const rows = await stack.db.query<Array<{ key: string; counted: number | null; logged: number; live: number }>>(
      `SELECT k AS key, (SELECT hits FROM sms_budget_counts c WHERE c.key = k) AS counted,
              (SELECT count(*)::int FROM sms_budget_hits h WHERE h.key = k) AS logged,
              (SELECT count(*)::int FROM sms_budget_hits h WHERE h.key = k AND h.at > now() - interval '1 hour') AS live
         FROM unnest($1::varchar[]) AS k ORDER BY k`,
      [keys],
    );
    return new Map(rows.map((row) => [row.key, row]));
  };
  const oldHits = (key: string, count: number, minutesAgo: number) =>
    stack.db.query(
      `INSERT INTO sms_budget_hits (key, code_request_id, at)
       SELECT $1, gen_random_uuid(), now() - make_interval(mins => $3) FROM generate_series(1, $2)`,
      [key, count, minutesAgo],
    );

  it('grants racing reservations exactly the limit, and counts each budget in one row', async () => {
    const run = randomUUID().slice(0, 8);
    const claims: BudgetClaim[] = [
      { key: `deployment-${run}`, limit: 25 },
      { key: `country-${run}`, limit: 1000 },
      { key: `block-${run}`, limit: 1000 },
    ];
    const answers = await Promise.all(Array.from({ length: 60 }, () => store.reserve(randomUUID(), claims, HOUR_MS)));

    expect(answers.filter((answer) => answer.granted)).toHaveLength(25);
    for (const answer of answers.filter((a): a is Extract<Reservation, { granted: false }> => !a.granted)) {
      expect(answer.key).toBe(`deployment-${run}`);
      // The oldest hit leaves the window in (almost) an hour.
      expect(answer.retryAfterMs).toBeGreaterThan(HOUR_MS - 60_000);
      expect(answer.retryAfterMs).toBeLessThanOrEqual(HOUR_MS);
    }
    for (const row of (await tally(claims.map((claim) => claim.key))).values()) {
      expect(row).toMatchObject({ counted: 25, logged: 25 });
    }
  });

  it('counts the window only: hits that left it go with the next reservation, and Retry-After is the oldest left', async () => {
    const key = `block-${randomUUID().slice(0, 8)}`;
    await oldHits(key, 3, 61);
    await oldHits(key, 2, 30);
    expect((await tally([key])).get(key)).toMatchObject({ counted: 5, logged: 5, live: 2 });

    // 2 in the window against a limit of 3: room for one.
    expect(await store.reserve(randomUUID(), [{ key, limit: 3 }], HOUR_MS)).toEqual({ granted: true });
    expect((await tally([key])).get(key)).toMatchObject({ counted: 3, logged: 3, live: 3 });

    const refused = await store.reserve(randomUUID(), [{ key, limit: 3 }], HOUR_MS);
    expect(refused).toMatchObject({ granted: false, key });
    // The oldest hit in the window is 30 minutes old: room again in 30 minutes.
    const retryAfterMs = (refused as { retryAfterMs: number }).retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(29 * 60_000);
    expect(retryAfterMs).toBeLessThanOrEqual(30 * 60_000);
  });

  it('gives the room back on release: the person refused a moment ago gets a code', async () => {
    const key = `block-${randomUUID().slice(0, 8)}`;
    const first = randomUUID();
    const second = randomUUID();
    expect(await store.reserve(first, [{ key, limit: 1 }], HOUR_MS)).toEqual({ granted: true });
    expect(await store.reserve(second, [{ key, limit: 1 }], HOUR_MS)).toMatchObject({ granted: false });
    await store.release(first, [key]);
    expect((await tally([key])).get(key)).toMatchObject({ counted: null, logged: 0 });
    expect(await store.reserve(second, [{ key, limit: 1 }], HOUR_MS)).toEqual({ granted: true });
    expect((await tally([key])).get(key)).toMatchObject({ counted: 1, logged: 1 });
  });

  it('keeps every count equal to its rows, and no budget over its limit, whatever runs at once (property)', async () => {
    const command = fc.oneof(
      fc.record({
        kind: fc.constant('reserve' as const),
        keys: fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }),
        limit: fc.integer({ min: 1, max: 6 }),
      }),
      fc.record({ kind: fc.constant('release' as const), which: fc.nat() }),
      fc.record({
        kind: fc.constant('old' as const),
        key: fc.integer({ min: 0, max: 3 }),
        count: fc.integer({ min: 1, max: 4 }),
        minutesAgo: fc.integer({ min: 30, max: 120 }),
      }),
      fc.record({ kind: fc.constant('retention' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(command, { minLength: 1, maxLength: 8 }), { maxLength: 6 }),
        async (rounds) => {
          const run = randomUUID().slice(0, 8);
          const keyOf = (n: number) => `prop-${run}-${n}`;
          const limits = new Map<string, number>();
          const granted: Array<{ id: string; keys: string[] }> = [];
          // Each round's commands run at once, on as many connections.
          for (const round of rounds) {
            await Promise.all(
              round.map(async (step) => {
                if (step.kind === 'reserve') {
                  const keys = step.keys.map(keyOf);
                  // One limit per budget for the whole run, so "over its limit" means one thing.
                  const claims = keys.map((key) => {
                    if (!limits.has(key)) limits.set(key, step.limit);
                    return { key, limit: limits.get(key)! };
                  });
                  const id = randomUUID();
                  if ((await store.reserve(id, claims, HOUR_MS)).granted) granted.push({ id, keys });
                } else if (step.kind === 'release') {
                  const reservation = granted[step.which % Math.max(1, granted.length)];
                  if (reservation) await store.release(reservation.id, reservation.keys);
                } else if (step.kind === 'old') {
                  await oldHits(keyOf(step.key), step.count, step.minutesAgo);
                } else {
                  await stack.db.query(`SELECT trim_sms_budget_hits(now() - interval '61 minutes', 2)`);
                }
              }),
            );
          }
          const keys = [0, 1, 2, 3].map(keyOf);
          for (const [key, row] of await tally(keys)) {
            expect({ key, counted: row.counted ?? 0 }).toEqual({ key, counted: row.logged });
            // Reservations are granted while the window has room: the live hits only pass the limit when old
            // hits of the window (inserted as if earlier) took it there.
            const inserted = rounds
              .flat()
              .filter((step) => step.kind === 'old' && keyOf(step.key) === key && step.minutesAgo < 60)
              .reduce((sum, step) => sum + (step.kind === 'old' ? step.count : 0), 0);
            if (limits.has(key)) expect(row.live).toBeLessThanOrEqual(limits.get(key)! + inserted);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('leaves retention the budgets nobody asks for any more, a hundred at a time, and keeps the live ones', async () => {
    const run = randomUUID().slice(0, 8);
    const idle = Array.from({ length: 250 }, (_, n) => `idle-${run}-${String(n).padStart(3, '0')}`);
    await stack.db.query(
      `INSERT INTO sms_budget_hits (key, code_request_id, at)
       SELECT k, gen_random_uuid(), now() - interval '62 minutes' FROM unnest($1::varchar[]) AS k`,
      [idle],
    );
    const live = `live-${run}`;
    await oldHits(live, 1, 62);
    await oldHits(live, 2, 10);

    const worker = await stack.startWorker();
    try {
      expect(await worker.get(RetentionSweep).sweep()).toBe(true);
    } finally {
      await stack.stopWorker();
    }
    const after = await tally([...idle, live]);
    expect(idle.filter((key) => after.get(key)!.logged > 0 || after.get(key)!.counted !== null)).toEqual([]);
    expect(after.get(live)).toMatchObject({ counted: 2, logged: 2, live: 2 });
  });
});
