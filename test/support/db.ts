import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';

/** Every table the apps write, but the per-IP counters (each stack keeps its own keys there). */
/** Kept across files: the migrations' record, the events endpoint's one row, and the per-IP counters (keyed by each stack's prefix). */
const KEPT = ['typeorm_migrations', 'events_endpoint', 'rate_limits'];

/** A client or a pool: one query at a time on a client, as many as it has connections on a pool. */
export type Queryable = Pick<pg.Client, 'query'>;

/** A plain client on the test database, for tests that run the apps as separate processes. */
export async function testDatabase(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  return client;
}

export async function withTestDatabase<T>(work: (db: pg.Client) => Promise<T>): Promise<T> {
  const client = await testDatabase();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Empties every table (a test that counts rows starts from here). */
export async function resetTables(db: { query(sql: string, parameters?: unknown[]): Promise<unknown> }): Promise<void> {
  // Every other table of the schema, so a table a migration adds is emptied too.
  const found = (await db.query(
    `SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename <> ALL ($1)`,
    [KEPT],
  )) as Array<{ name: string }> | { rows: Array<{ name: string }> };
  const tables = (Array.isArray(found) ? found : found.rows).map((table) => table.name);
  await db.query(`TRUNCATE ${tables.join(', ')} RESTART IDENTITY CASCADE`);
  await db.query(`UPDATE events_endpoint SET disabled_at = NULL, disabled_reason = NULL`);
}

/** How many inbox messages each code request of these phones got (0 = not delivered). */
export async function deliveriesFor(db: Queryable, phones: string[]): Promise<Map<string, number>> {
  const { rows } = await db.query<{ phone_number: string; messages: number }>(
    `SELECT c.phone_number, count(m.id)::int AS messages
       FROM code_requests c LEFT JOIN sms_messages m ON m.code_request_id = c.id
      WHERE c.phone_number = ANY($1) AND c.status = 'pending'
      GROUP BY c.id, c.phone_number`,
    [phones],
  );
  return new Map(rows.map((row) => [row.phone_number, row.messages]));
}

/** Waits until every phone's pending code has its message; answers the milliseconds it took. */
export async function waitForDeliveries(db: Queryable, phones: string[], timeoutMs = 60_000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const delivered = await deliveriesFor(db, phones);
    if (phones.every((phone) => (delivered.get(phone) ?? 0) >= 1)) return Date.now() - started;
    await sleep(100);
  }
  const delivered = await deliveriesFor(db, phones);
  const missing = phones.filter((phone) => (delivered.get(phone) ?? 0) === 0);
  throw new Error(`${missing.length} of ${phones.length} codes not delivered within ${timeoutMs} ms`);
}

/** Messages per code request for these phones, across all their requests: a duplicate shows as 2. */
export async function duplicateDeliveries(db: pg.Client, phones: string[]): Promise<number> {
  const { rows } = await db.query<{ duplicates: number }>(
    `SELECT count(*)::int AS duplicates FROM (
       SELECT m.code_request_id FROM sms_messages m JOIN code_requests c ON c.id = m.code_request_id
        WHERE c.phone_number = ANY($1) GROUP BY m.code_request_id HAVING count(*) > 1) d`,
    [phones],
  );
  return rows[0].duplicates;
}
