import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { entityManager, noteEvent, type Transaction } from '../database/unit-of-work.js';
import type { EventBody, EventData, EventType } from '@app/domain';

/**
 * Writes an event to the outbox in the change's own transaction: it commits
 * with the change or not at all. The unit of work queues its delivery once the
 * transaction has committed; the worker's sweep queues any it missed.
 */
export async function recordEvent<T extends EventType>(
  db: DataSource,
  tx: Transaction,
  type: T,
  data: EventData[T],
): Promise<string> {
  const id = randomUUID();
  const createdAt = new Date();
  const body: EventBody<T> = { type, timestamp: createdAt.toISOString(), data };
  await entityManager(db, tx).query('INSERT INTO events (id, type, body, created_at) VALUES ($1, $2, $3, $4)', [
    id,
    type,
    JSON.stringify(body),
    createdAt,
  ]);
  noteEvent(tx, id);
  return id;
}

/**
 * A deleted user's phone number and username, out of every event not yet
 * delivered (pending, or failed and waiting for a redelivery), in the
 * deletion's transaction: `user.created` loses both, `referral.activated` the
 * user's username on whichever side they stood. A delivered event keeps its
 * body until the retention sweep removes it (30 days): it is the record of what
 * the host was sent. The erased body is what any later attempt sends, under the
 * same event id. Answers how many events changed. `status IN (…)` rather than
 * `<> 'delivered'`: two ranges of the (status, created_at) index, not a scan of
 * 30 days of delivered events on every deletion.
 */
export async function eraseUserFromEvents(db: DataSource, tx: Transaction, userId: string): Promise<number> {
  const manager = entityManager(db, tx);
  const rows = await manager.query<Array<{ id: string; body: string }>>(
    `SELECT id, body FROM events
      WHERE status IN ('pending', 'failed') AND type IN ('user.created', 'referral.activated') AND strpos(body, $1) > 0
      FOR UPDATE`,
    [userId],
  );
  const erased: Array<{ id: string; body: string }> = [];
  for (const row of rows) {
    const body = JSON.parse(row.body) as EventBody;
    if (body.type === 'user.created') {
      const data = body.data as EventData['user.created'];
      if (data.id !== userId) continue;
      Object.assign(data, { username: null, phone_number: null });
    } else if (body.type === 'referral.activated') {
      const data = body.data as EventData['referral.activated'];
      for (const side of [data.referrer, data.referee]) if (side.id === userId) side.username = null;
    }
    const text = JSON.stringify(body);
    if (text !== row.body) erased.push({ id: row.id, body: text });
  }
  if (erased.length > 0) {
    await manager.query(
      `UPDATE events SET body = erased.body
         FROM unnest($1::uuid[], $2::text[]) AS erased(id, body) WHERE events.id = erased.id`,
      [erased.map((row) => row.id), erased.map((row) => row.body)],
    );
  }
  return erased.length;
}
