import pg from 'pg';
import { hasEngine, startPgBouncer, type PgBouncer } from '../support/engines.mjs';
import { nextPhone } from '../support/phones.js';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  API_ENTRY,
  builtEnv,
  freePort,
  postJson,
  signInThrough,
  startBuilt,
  startDeployment,
  type Deployment,
} from '../support/processes.js';

const HAS_PGBOUNCER = hasEngine('pgbouncer', 'pgbouncer');

/** PgBouncer's admin console: one SHOW command's rows. */
async function admin(bouncer: PgBouncer, command: string): Promise<Array<Record<string, string>>> {
  const client = new pg.Client({ host: '127.0.0.1', port: bouncer.port, user: 'postgres', database: 'pgbouncer' });
  await client.connect();
  try {
    return (await client.query<Record<string, string>>(command)).rows;
  } finally {
    await client.end();
  }
}

/**
 * SPEC section 10: the built processes on PgBouncer 1.18 in transaction mode
 * with a server pool smaller than their client pools, so consecutive
 * transactions of one client land on different server connections. With
 * DATABASE_POOLER=transaction every flow works; without it the hot paths'
 * named prepared statements meet connections that never prepared them.
 */
(HAS_PGBOUNCER ? describe : describe.skip)('PgBouncer in transaction mode', () => {
  let bouncer: PgBouncer;
  const direct = process.env.TEST_DATABASE_URL!;

  beforeAll(async () => {
    const target = new URL(direct);
    bouncer = await startPgBouncer({ host: target.hostname, port: Number(target.port || 5432), poolSize: 3 });
  });
  afterAll(async () => {
    await bouncer?.stop();
  });

  const deployOn = (env: Record<string, string>) =>
    startDeployment({ env: { DATABASE_URL: bouncer.through(direct), SIGNUP_IP_RATE_LIMIT: '100000/60', ...env } });

  /** 20 sign-ins at once, then a code request for each again (the cooldown): the answers' statuses. */
  const load = async (deployment: Deployment) => {
    // A pool: the 20 sign-ins read their codes at the same time, and a client takes one query at a time.
    const db = new pg.Pool({ connectionString: process.env.TEST_DATABASE_URL, max: 5 });
    try {
      const api = deployment.apis[0].base;
      const signedIn = await Promise.allSettled(Array.from({ length: 20 }, () => signInThrough(api, db)));
      const again = await Promise.all(
        signedIn.map((result) =>
          postJson(`${api}/api/v1/auth/signup/`, {
            phone_number: result.status === 'fulfilled' ? result.value.phone : nextPhone(),
          }).then((answer) => answer.status),
        ),
      );
      return { signedIn: signedIn.filter((result) => result.status === 'fulfilled').length, again };
    } finally {
      await db.end();
    }
  };

  it('runs sign-ins and the limits through it with DATABASE_POOLER=transaction, on at most 3 server connections', async () => {
    const deployment = await deployOn({ DATABASE_POOLER: 'transaction', DATABASE_DIRECT_URL: direct });
    try {
      const before = await admin(bouncer, 'SHOW STATS');
      const { signedIn, again } = await load(deployment);
      expect(signedIn).toBe(20);
      expect(again.every((status) => status === 429)).toBe(true);
      const database = new URL(direct).pathname.slice(1);
      const transactions = (rows: Array<Record<string, string>>) =>
        Number(rows.find((row) => row.database === database)?.total_xact_count ?? 0);
      const through = transactions(await admin(bouncer, 'SHOW STATS')) - transactions(before);
      const pools = (await admin(bouncer, 'SHOW POOLS')).filter((row) => row.database === database);
      const servers = pools.reduce(
        (total, row) => total + Number(row.sv_active) + Number(row.sv_idle) + Number(row.sv_used),
        0,
      );
      const clients = pools.reduce((total, row) => total + Number(row.cl_active) + Number(row.cl_waiting), 0);
      console.log(
        `PgBouncer: ${through} transactions through it, ${clients} client connections on ${servers} server connections`,
      );
      expect(through).toBeGreaterThan(100);
      expect(servers).toBeLessThanOrEqual(3);
      expect(clients).toBeGreaterThan(servers);
    } finally {
      await deployment.stop();
    }
  }, 120_000);

  it('refuses a process without it: PgBouncer 1.18 does not take statement_timeout at connect', async () => {
    const api = startBuilt(
      API_ENTRY,
      builtEnv({ DATABASE_URL: bouncer.through(direct), PORT: String(await freePort()) }),
    );
    const exit = await Promise.race([api.stop('SIGCONT'), sleep(30_000).then(() => 'still running')]);
    await api.stop('SIGKILL');
    expect(exit).toBe(1);
    expect(api.output()).toContain('unsupported startup parameter: statement_timeout');
  }, 60_000);

  it('breaks without it where the pooler lets it connect: named prepared statements meet other server connections', async () => {
    const lenient = await startPgBouncer({
      host: new URL(direct).hostname,
      port: Number(new URL(direct).port || 5432),
      poolSize: 3,
      ignoreStartupParameters: ['statement_timeout'],
    });
    const deployment = await startDeployment({
      // Migrations on the direct URL (their session lock would not hold through the pooler): only the statements differ.
      env: { DATABASE_URL: lenient.through(direct), DATABASE_DIRECT_URL: direct, SIGNUP_IP_RATE_LIMIT: '100000/60' },
    });
    try {
      const api = deployment.apis[0].base;
      const statuses = await Promise.all(
        Array.from({ length: 40 }, () =>
          postJson(`${api}/api/v1/auth/signup/`, { phone_number: nextPhone() }).then((answer) => answer.status),
        ),
      );
      // Some code requests failed, and the log says why.
      expect(statuses).toContain(500);
      expect(deployment.apis[0].process.output()).toMatch(
        /prepared statement \\?"\w+\\?" (does not exist|already exists)/,
      );
    } finally {
      await deployment.stop();
      await lenient.stop();
    }
  }, 120_000);
});
