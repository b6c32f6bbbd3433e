// Nest's ES modules first: CommonJS packages that require them (@nestjs/throttler, @nestjs/bullmq)
// may then load in any order. Required first from CommonJS inside a cycle, Node refuses it
// ("Cannot require() ES Module … in a cycle"), as a test file that imports such a package
// before anything of Nest would.
import '@nestjs/common';
import '@nestjs/core';
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
