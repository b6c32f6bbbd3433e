import { startStack, type Stack } from './support/stack.js';

/**
 * The TypeORM entities are the typed description of each table, and the
 * migrations are the schema: on a freshly migrated database, TypeORM's own
 * schema diff (what `synchronize` would run) must be empty.
 */
describe('the entities and the migrations', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ worker: false });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('describe the same schema: TypeORM would change nothing', async () => {
    const diff = await stack.db.driver.createSchemaBuilder().log();
    expect(diff.upQueries.map((query) => query.query)).toEqual([]);
  });
});
