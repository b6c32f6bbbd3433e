import { randomUUID } from 'node:crypto';
import { RetentionSweep } from '../apps/worker/src/retention/retention.sweep.js';
import { createUser } from './support/factory.js';
import { nextPhone, startStack, type Stack } from './support/stack.js';

describe('the retention sweep', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  const ids = async (table: string, column = 'id'): Promise<string[]> =>
    (await stack.db.query<Array<{ id: string }>>(`SELECT ${column}::text AS id FROM ${table} ORDER BY 1`)).map(
      (row) => row.id,
    );

  it('erases what is past its retention and keeps the rest', async () => {
    await stack.reset();
    const code = (age: string, sealed: boolean, expiresIn = '5 minutes') =>
      stack.db.query(
        `INSERT INTO code_requests (id, phone_number, code_hash, code_sealed, status, created_at, expires_at)
         VALUES ($1, $2, '\\x00', $3, 'used', now() - $4::interval, now() - $4::interval + $5::interval) RETURNING id`,
        [randomUUID(), nextPhone(), sealed ? Buffer.from('sealed') : null, age, expiresIn],
      );
    const [, [recent], [expiredSealed]] = await Promise.all([
      code('3 days', false),
      code('1 day', false),
      code('1 hour', true),
    ]);
    await stack.db.query(
      `INSERT INTO sms_messages (to_phone, text, sent_at) VALUES ('+79990000001', 'old', now() - interval '8 days'),
              ('+79990000001', 'recent', now() - interval '6 days')`,
    );
    await stack.db.query(
      `INSERT INTO sign_in_attempts (phone_number, failures_in_row, locked_until, updated_at) VALUES
         ('+79990000001', 3, NULL, now() - interval '2 days'),
         ('+79990000002', 0, now() + interval '1 hour', now() - interval '2 days'),
         ('+79990000003', 2, NULL, now() - interval '1 hour')`,
    );
    const user = await createUser(stack);
    await stack.db.query(
      `INSERT INTO refresh_tokens (id, session_id, token_hash, expires_at)
       SELECT $1, session_id, '\\x01', now() - interval '2 days' FROM refresh_tokens LIMIT 1`,
      [randomUUID()],
    );
    await stack.db.query(
      `INSERT INTO rate_limits (key, hits, window_ends) VALUES ('retention-test:spent', 1, now() - interval '2 minutes'),
              ('retention-test:live', 1, now() + interval '1 minute')`,
    );

    await stack.db.query(
      `INSERT INTO events (id, type, body, status, created_at) VALUES
         ($1, 'user.deleted', '{}', 'pending', now() - interval '31 days'),
         ($2, 'user.deleted', '{}', 'delivered', now() - interval '31 days'),
         ($3, 'user.deleted', '{}', 'failed', now() - interval '29 days')`,
      [randomUUID(), randomUUID(), '00000000-0000-4000-8000-00000000e003'],
    );

    const worker = await stack.startWorker();
    expect(await worker.get(RetentionSweep).sweep()).toBe(true);

    expect(await ids('code_requests')).toEqual([recent.id, expiredSealed.id].sort());
    const [sealed] = await stack.db.query('SELECT code_sealed FROM code_requests WHERE id = $1', [expiredSealed.id]);
    expect(sealed.code_sealed).toBeNull();
    expect(await ids('sms_messages', 'text')).toEqual(['recent']);
    expect(await ids('sign_in_attempts', 'phone_number')).toEqual(['+79990000002', '+79990000003']);
    const tokens = await stack.db.query('SELECT count(*)::int AS n FROM refresh_tokens');
    expect(tokens[0].n).toBe(1);
    expect(await ids(`rate_limits WHERE key LIKE 'retention-test:%'`, 'key')).toEqual(['retention-test:live']);
    // Events go after 30 days, whatever became of them; the user's own user.created is new.
    expect(await ids(`events WHERE type = 'user.deleted'`)).toEqual(['00000000-0000-4000-8000-00000000e003']);
    // The user's own live session and token are untouched.
    await stack.http().get('/api/v1/users/me/').set('Authorization', `Bearer ${user.token}`).expect(200);
    await stack.db.query(`DELETE FROM rate_limits WHERE key LIKE 'retention-test:%'`);
  });
});
