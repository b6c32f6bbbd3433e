let count = 0;

/**
 * A fresh, valid Russian mobile number for each call: +7 9991 and a counter.
 * Fixed numbers in tests are written +7 9990…, so the two never meet, and the
 * tables are emptied before each test file (each-file.ts), so files never share one.
 */
export function nextPhone(): string {
  count += 1;
  return `+79991${String(count).padStart(6, '0')}`;
}
