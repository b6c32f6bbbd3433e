import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { pgErrorCode } from './sql.js';

const managers = new WeakMap<Transaction, EntityManager>();
const events = new WeakMap<Transaction, string[]>();

/** Told the ids of the outbox events a unit of work committed (the API queues their delivery). */
export abstract class EventPublisher {
  abstract published(eventIds: string[]): Promise<void>;
}

/** For the outbox: an event written in `tx`, to be published once `tx` commits. */
export function noteEvent(tx: Transaction, eventId: string): void {
  const ids = events.get(tx);
  if (ids) ids.push(eventId);
  else events.set(tx, [eventId]);
}

/**
 * A transaction in progress, as services hold it: an opaque handle they pass to
 * repositories. Only a repository turns it back into TypeORM's EntityManager
 * (`entityManager`), so no service ever sees SQL or a manager.
 */
export class Transaction {
  private constructor() {}

  /** @internal */
  static of(manager: EntityManager): Transaction {
    const tx = new Transaction();
    managers.set(tx, manager);
    return tx;
  }
}

/** For repositories: the manager of `tx`, or the data source's own outside a transaction. */
export function entityManager(db: DataSource, tx?: Transaction): EntityManager {
  return tx ? managers.get(tx)! : db.manager;
}

/** Deadlock and serialization failure: the transaction did nothing and may simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 5;

/**
 * Work that spans repositories (of one feature or several) in one transaction.
 * When PostgreSQL aborts it to break a deadlock or a serialization conflict, the
 * whole of it runs again (up to five times): the work must touch nothing but
 * the database, so a second run is as good as the first. Two invite-code
 * activations that would close a circle together rely on this: see the
 * referrals repository.
 */
@Injectable()
export class UnitOfWork {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Optional() @Inject(EventPublisher) private readonly publisher?: EventPublisher,
  ) {}

  async run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        let committed: Transaction | undefined;
        const result = await this.db.transaction((manager) => work((committed = Transaction.of(manager))));
        const ids = committed && events.get(committed);
        // After the commit, never inside it: a publisher that fails loses nothing (the sweep finds the events).
        if (ids && this.publisher) await this.publisher.published(ids).catch(() => undefined);
        return result;
      } catch (error) {
        if (attempt >= ATTEMPTS || !RETRYABLE.has(pgErrorCode(error) ?? '')) throw error;
      }
    }
  }
}
