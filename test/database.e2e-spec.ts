import { DataSource } from 'typeorm';
import { entityManager, runPrepared, UnitOfWork } from '@app/platform';
import { startStack, type Stack } from './support/stack.js';

/** The repositories' plumbing against the real PostgreSQL, with no HTTP. */
describe('runPrepared', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ worker: false });
  });
  afterAll(async () => {
    await stack.close();
  });

  it("runs inside the unit of work's transaction when given it: on its connection, seeing what it wrote", async () => {
    const db = stack.api.get(DataSource);
    const uow = stack.api.get(UnitOfWork, { strict: false });
    const read = { name: 'test_read_temporary', text: 'SELECT x FROM run_prepared_check' };
    const seen = await uow.run(async (tx) => {
      // A temporary table exists on one connection only, and this one only until the commit.
      await entityManager(db, tx).query('CREATE TEMPORARY TABLE run_prepared_check (x int) ON COMMIT DROP');
      await entityManager(db, tx).query('INSERT INTO run_prepared_check VALUES (7)');
      return runPrepared<{ x: number }>(db, read, [], tx);
    });
    expect(seen).toEqual([{ x: 7 }]);
    // Outside it, on the pool: no such table.
    await expect(runPrepared(db, read, [])).rejects.toThrow(/run_prepared_check/);
  });
});
