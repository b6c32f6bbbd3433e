import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DomainError, ErrorCode, generateReferralCode } from '../../libs/domain/src/index.js';
import { entityManager, loadConfig, UnitOfWork } from '../../libs/platform/src/index.js';
import { ApiMetrics } from '../../apps/api/src/metrics/api-metrics.js';
import { ReferralsRepository } from '../../apps/api/src/referral/referrals.repository.js';
import { NO_SOURCE, ReferralService } from '../../apps/api/src/referral/referral.service.js';
import { counts, grown } from '../support/metrics.js';
import { nextPhone } from '../support/phones.js';
import { baseTestEnv } from '../support/test-env.js';

/**
 * The middle of the pyramid: ReferralService and its repository on the real
 * PostgreSQL (its functions, triggers and locks), no HTTP, no Nest. Every
 * activation outcome PostgreSQL can give, and what each becomes: the error of
 * an activation in the profile, the answer of one at sign-in, the metric.
 */
describe('ReferralService on PostgreSQL', () => {
  let db: DataSource;
  let uow: UnitOfWork;
  let metrics: ApiMetrics;
  let referrals: ReferralService;

  beforeAll(async () => {
    const config = loadConfig(baseTestEnv());
    db = new DataSource({ type: 'postgres', url: config.database.url, extra: { max: 4 } });
    await db.initialize();
    uow = new UnitOfWork(db);
    metrics = new ApiMetrics();
    referrals = new ReferralService(config, new ReferralsRepository(db), metrics);
  });
  afterAll(async () => {
    await db.destroy();
  });

  async function user(phone = nextPhone()): Promise<{ id: string; phone: string; code: string }> {
    const id = randomUUID();
    const code = generateReferralCode();
    await db.query(`INSERT INTO users (id, phone_number, username, referral_code) VALUES ($1, $2, $3, $4)`, [
      id,
      phone,
      `m_${id.slice(0, 8)}`,
      code,
    ]);
    return { id, phone, code };
  }

  /** The profile's activation: null when it succeeded, else its error code. */
  async function activate(userId: string, code: string): Promise<ErrorCode | null> {
    try {
      await uow.run((tx) => referrals.activate(tx, userId, code, NO_SOURCE));
      return null;
    } catch (error) {
      if (error instanceof DomainError) return error.code;
      throw error;
    }
  }
  const atSignIn = (userId: string, code: string) =>
    uow.run((tx) => referrals.activateOnSignIn(tx, userId, code, NO_SOURCE));
  const activations = () => counts(metrics, 'referral_activations_total');

  it('activates once (any case), and a retry of the same code succeeds as "already"', async () => {
    const [inviter, friend] = [await user(), await user()];
    expect(await activate(friend.id, inviter.code.toLowerCase())).toBeNull();
    expect(await activate(friend.id, inviter.code)).toBeNull();
    const [row] = await db.query<Array<{ referrer_id: string }>>(`SELECT referrer_id FROM users WHERE id = $1`, [
      friend.id,
    ]);
    expect(row.referrer_id).toBe(inviter.id);
    // At sign-in the same retry is an answer, not an error.
    expect(await atSignIn(friend.id, inviter.code)).toEqual({
      activated: false,
      error: ErrorCode.REFERRAL_ALREADY_ACTIVATED,
    });
  });

  it('answers every refusal with its error in the profile and the same code at sign-in, and counts each', async () => {
    const before = await activations();
    const [a, b, c] = [await user(), await user(), await user()];
    expect(await activate(a.id, b.code)).toBeNull();
    const cases: Array<[string, string, string, ErrorCode]> = [
      ['another code after one', a.id, c.code, ErrorCode.REFERRAL_ALREADY_ACTIVATED],
      ['no such code', c.id, 'NOSUCH', ErrorCode.REFERRAL_CODE_NOT_FOUND],
      ['one’s own code', c.id, c.code, ErrorCode.REFERRAL_SELF],
      ['a circle', b.id, a.code, ErrorCode.REFERRAL_CYCLE],
    ];
    for (const [name, userId, code, error] of cases) {
      expect({ name, error: await activate(userId, code) }).toEqual({ name, error });
      expect({ name, answer: await atSignIn(userId, code) }).toEqual({ name, answer: { activated: false, error } });
    }
    // The one activation, and each refusal twice: once in the profile, once at sign-in.
    expect(grown(before, await activations())).toEqual({ activated: 1, already: 2, not_found: 2, self: 2, cycle: 2 });
  });

  it('does not count a phone twice: deleted and back, its new account’s activation is refused', async () => {
    const inviter = await user();
    const friend = await user();
    expect(await activate(friend.id, inviter.code)).toBeNull();
    await uow.run(async (tx) => {
      await referrals.rememberBeforeLeavingPhone(tx, friend.id);
      await entityManager(db, tx).query(`UPDATE users SET deleted_at = now(), phone_number = NULL WHERE id = $1`, [
        friend.id,
      ]);
    });
    const returning = await user(friend.phone);
    expect(await activate(returning.id, inviter.code)).toBe(ErrorCode.REFERRAL_ALREADY_ACTIVATED);
  });

  it('answers a user gone meanwhile with USER_NOT_FOUND in the profile, not found at sign-in, and counts nothing', async () => {
    const inviter = await user();
    const before = await activations();
    expect(await activate(randomUUID(), inviter.code)).toBe(ErrorCode.USER_NOT_FOUND);
    expect(await atSignIn(randomUUID(), inviter.code)).toEqual({
      activated: false,
      error: ErrorCode.REFERRAL_CODE_NOT_FOUND,
    });
    expect(grown(before, await activations())).toEqual({});
  });
});
