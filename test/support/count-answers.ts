import { appendFileSync } from 'node:fs';
import { answersChecked } from './openapi-check.js';

/** Each test file adds how many answers it checked against the OpenAPI document; the teardown sums them. */
afterAll(() => {
  const log = process.env.OPENAPI_CHECK_LOG;
  if (log) appendFileSync(log, `${answersChecked()}\n`);
});
