import type { Pool } from 'pg';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { CodeRequestsRepository } from '../apps/worker/src/code-delivery/code-requests.repository.js';
import { nextPhone, startStack, type Stack } from './support/stack.js';

/**
 * The worker's delivery statements in batches (CodeRequestsRepository over
 * Batched), on the real database: deliveries in hand at once share one
 * statement per step, each gets its own answer, and a request recorded twice
 * in one batch (a job run again beside itself) is recorded once. Code requests
 * come from real sign-ups, with no worker running to deliver them.
 */
describe('delivery statements in batches', () => {
  let stack: Stack;
  let repository: CodeRequestsRepository;
  /** Statements the pool was given, by their text's first words. */
  const statements: string[] = [];

  beforeAll(async () => {
    // No worker: the code requests wait for this test's calls.
    stack = await startStack({ worker: false });
    const pool = (stack.db.driver as PostgresDriver).master as Pool;
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    // Counted on the way through, answered by PostgreSQL as always.
    (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const [config] = args as [{ text?: string } | string];
      statements.push(typeof config === 'string' ? config : (config.text ?? ''));
      return query(...args);
    };
    repository = new CodeRequestsRepository(stack.db);
  });
  afterAll(() => stack.close());

  /** Sign-ups of fresh numbers; answers their code requests' ids, by number. */
  async function codeRequests(count: number): Promise<Map<string, string>> {
    const phones = Array.from({ length: count }, () => nextPhone());
    for (const phone of phones)
      await stack.http().post('/api/v1/auth/signup/').send({ phone_number: phone }).expect(202);
    const rows = await stack.db.query<Array<{ id: string; phone_number: string }>>(
      'SELECT id, phone_number FROM code_requests WHERE phone_number = ANY($1)',
      [phones],
    );
    return new Map(rows.map((row) => [row.phone_number, row.id]));
  }
  /** Statements given to the pool whose text holds `part`. */
  const counted = (part: string) => statements.filter((text) => text.includes(part)).length;

  it('reads and records 30 deliveries in hand at once with a statement or two each step, each its own answer', async () => {
    const byPhone = await codeRequests(30);
    const ids = [...byPhone.values()];
    statements.length = 0;
    const read = await Promise.all(ids.map((id) => repository.forDelivery(id)));
    expect(read.map((request) => request?.phone_number)).toEqual([...byPhone.keys()]);
    expect(
      read.map((request) => ({ status: request?.status, live: request?.live, sealed: Boolean(request?.code_sealed) })),
    ).toEqual(ids.map(() => ({ status: 'pending', live: true, sealed: true })));
    expect(await repository.forDelivery('00000000-0000-4000-8000-000000000000')).toBeNull();

    // The first request twice: one run records it, the other finds it recorded.
    const recorded = await Promise.all(
      [...ids, ids[0]].map((id, index) => repository.markDelivered(id, index % 2 === 0)),
    );
    expect(recorded.slice(0, 30).every((seconds) => typeof seconds === 'number' && seconds >= 0)).toBe(true);
    expect(recorded[30]).toBeNull();
    expect(await Promise.all(ids.map((id) => repository.markDelivered(id)))).toEqual(ids.map(() => null));

    const rows = await stack.db.query<Array<{ id: string; delivered: boolean; sealed: boolean }>>(
      'SELECT id, delivered_at IS NOT NULL AS delivered, code_sealed IS NOT NULL AS sealed FROM code_requests WHERE id = ANY($1)',
      [ids],
    );
    expect(rows.every((row) => row.delivered)).toBe(true);
    // Kept sealed where asked (even positions), erased elsewhere.
    expect(ids.map((id) => rows.find((row) => row.id === id)!.sealed)).toEqual(ids.map((_, index) => index % 2 === 0));
    // 31 reads in at most a few statements, 61 records likewise: never one each.
    expect(counted('FROM code_requests WHERE id')).toBeGreaterThanOrEqual(1);
    expect(counted('FROM code_requests WHERE id')).toBeLessThanOrEqual(3);
    expect(counted('SET delivered_at = now()')).toBeGreaterThanOrEqual(2);
    expect(counted('SET delivered_at = now()')).toBeLessThanOrEqual(4);
  });

  it('finishes many attempts in one statement and reads each request its own attempts', async () => {
    const ids = [...(await codeRequests(3)).values()];
    const attempts: string[] = [];
    for (const id of ids)
      attempts.push(await repository.startAttempt(id, 'twilio'), await repository.startAttempt(id, 'vonage', true));
    statements.length = 0;
    await Promise.all(
      attempts.map((attempt, index) =>
        repository.finishAttempt(
          attempt,
          index % 2 === 0
            ? { state: 'accepted', providerId: `SM${index}` }
            : { state: 'transient', error: 'x'.repeat(400) },
        ),
      ),
    );
    expect(counted('UPDATE sms_attempts')).toBe(1);
    const seen = await Promise.all(ids.map((id) => repository.attemptsOf(id)));
    expect(seen).toEqual(
      ids.map(() => [
        { transport: 'twilio', state: 'accepted', receipt_state: null },
        { transport: 'vonage', state: 'transient', receipt_state: null },
      ]),
    );
    const stored = await stack.db.query<Array<{ provider_id: string | null; error: string | null }>>(
      'SELECT provider_id, error FROM sms_attempts WHERE id = ANY($1::bigint[]) ORDER BY id',
      [attempts],
    );
    expect(stored.map((row) => row.provider_id)).toEqual(['SM0', null, 'SM2', null, 'SM4', null]);
    expect(stored.filter((row) => row.error !== null).map((row) => row.error!.length)).toEqual([300, 300, 300]);
  });
});
