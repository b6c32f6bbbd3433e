import pg from 'pg';
import { DataSource } from 'typeorm';
import { entityManager, functionSql, runPrepared, STORED_FUNCTIONS, UnitOfWork } from '@app/platform';
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

describe('the stored functions', () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
  });

  interface Definition {
    name: string;
    schema: string;
    source: string;
    args: string;
    result: string;
  }

  /** The functions of these schemas, as PostgreSQL holds them (extensions' own left out). */
  async function definitions(schemas: string[]): Promise<Definition[]> {
    const { rows } = await client.query<Definition>(
      `SELECT p.proname AS name, n.nspname AS schema, p.prosrc AS source,
              pg_get_function_arguments(p.oid) AS args, pg_get_function_result(p.oid) AS result
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = ANY($1)
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
        ORDER BY p.proname`,
      [schemas],
    );
    return rows;
  }

  it('are each defined by their file, and every function of the schema has one', async () => {
    await client.query('BEGIN');
    try {
      // The files' definitions, made beside the live ones in a schema of their own, then compared.
      await client.query('CREATE SCHEMA function_files');
      await client.query('SET LOCAL search_path = function_files, public');
      for (const name of STORED_FUNCTIONS) await client.query(functionSql(name));
      const found = await definitions(['public', 'function_files']);
      const live = found.filter((row) => row.schema === 'public');
      expect(live.map((row) => row.name).sort()).toEqual([...STORED_FUNCTIONS].sort());
      for (const name of STORED_FUNCTIONS) {
        const [running, file] = ['public', 'function_files'].map((schema) =>
          found.find((row) => row.name === name && row.schema === schema),
        );
        expect({ name, source: running?.source, args: running?.args, result: running?.result }).toEqual({
          name,
          source: file?.source,
          args: file?.args,
          result: file?.result,
        });
      }
    } finally {
      await client.query('ROLLBACK');
    }
  });
});
