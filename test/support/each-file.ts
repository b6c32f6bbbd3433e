import { appendFileSync } from 'node:fs';
import { withTestDatabase, resetTables } from './db.js';
import { answersChecked } from './openapi-check.js';

/**
 * Around every test file: it starts from empty tables, so no file sees another's
 * users, codes or counters; and it adds how many answers it checked against the
 * OpenAPI document to the tally the global teardown prints.
 */
beforeAll(async () => {
  await withTestDatabase(resetTables);
});

afterAll(() => {
  const log = process.env.OPENAPI_CHECK_LOG;
  if (log) appendFileSync(log, `${answersChecked()}\n`);
});
