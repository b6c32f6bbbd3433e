import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { entityManager, noteEvent, type Transaction } from '../database/unit-of-work.js';
import { EventEntity, type EventType } from '../entities/event.entity.js';

/** What each event says; the body is `{type, timestamp, data}` (SPEC section 8). */
export interface EventData {
  'user.created': {
    id: string;
    username: string;
    phone_number: string;
    referral_code: string;
    created_at: string;
  };
  'referral.activated': {
    referrer: { id: string; username: string | null };
    referee: { id: string; username: string | null };
    referral_code: string;
    activated_at: string;
    referrals_count: number;
  };
  'user.deleted': { id: string; deleted_at: string };
}

export interface EventBody<T extends EventType = EventType> {
  type: T;
  timestamp: string;
  data: EventData[T];
}

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
  await entityManager(db, tx).insert(EventEntity, { id, type, body: JSON.stringify(body), createdAt });
  noteEvent(tx, id);
  return id;
}
