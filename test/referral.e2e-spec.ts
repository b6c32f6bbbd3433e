import { createUser } from './support/factory.js';
import { as, countQueries, nextPhone, startStack, type SignedIn, type Stack } from './support/stack.js';

describe('invite codes', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ worker: false });
  });
  afterAll(async () => {
    await stack.close();
  });

  const activate = (user: SignedIn, code: string) =>
    as(stack, user).patch('/api/v1/users/me/', { used_referral_code: code });
  const profile = async (user: SignedIn) => (await as(stack, user).get('/api/v1/users/me/').expect(200)).body;

  it('activates an existing code: the profile shows it and the owner lists the caller', async () => {
    const owner = await createUser(stack, nextPhone(), 'owner_one');
    const friend = await createUser(stack, nextPhone(), 'friend_one');
    const response = await activate(friend, owner.referralCode).expect(200);
    expect(response.body.used_referral_code).toBe(owner.referralCode);

    const ownerProfile = await profile(owner);
    expect(ownerProfile.referrals_count).toBe(1);
    expect(ownerProfile.referral_users_list).toEqual([
      { phone_number: friend.phone, username: 'friend_one', activated_at: expect.stringMatching(/Z$/) },
    ]);
  });

  it('compares codes case-insensitively', async () => {
    const owner = await createUser(stack);
    const friend = await createUser(stack);
    const response = await activate(friend, owner.referralCode.toLowerCase()).expect(200);
    expect(response.body.used_referral_code).toBe(owner.referralCode);
  });

  it('answers a retried activation of the same code with 200 and changes nothing', async () => {
    const owner = await createUser(stack);
    const friend = await createUser(stack);
    await activate(friend, owner.referralCode).expect(200);
    const before = await profile(owner);
    const again = await activate(friend, owner.referralCode).expect(200);
    expect(again.body.used_referral_code).toBe(owner.referralCode);
    expect(await profile(owner)).toEqual(before);
  });

  it('refuses any other code once one is activated with 409 REFERRAL_ALREADY_ACTIVATED', async () => {
    const [first, second, friend] = [await createUser(stack), await createUser(stack), await createUser(stack)];
    await activate(friend, first.referralCode).expect(200);
    const response = await activate(friend, second.referralCode).expect(409);
    expect(response.body.error).toBe('REFERRAL_ALREADY_ACTIVATED');
    expect((await profile(friend)).used_referral_code).toBe(first.referralCode);
    expect((await profile(second)).referrals_count).toBe(0);
  });

  it('refuses an unknown code with 422 REFERRAL_CODE_NOT_FOUND', async () => {
    const friend = await createUser(stack);
    const response = await activate(friend, 'ZZZZZZ').expect(422);
    expect(response.body.error).toBe('REFERRAL_CODE_NOT_FOUND');
    expect((await profile(friend)).used_referral_code).toBeNull();
  });

  it('refuses the caller’s own code with 422 REFERRAL_SELF', async () => {
    const user = await createUser(stack);
    const response = await activate(user, user.referralCode).expect(422);
    expect(response.body.error).toBe('REFERRAL_SELF');
  });

  it('refuses a malformed code with 400 VALIDATION_FAILED', async () => {
    const user = await createUser(stack);
    for (const code of ['ABC', 'ABCDEFG', 'AB CD1', "' OR 1=1 --"]) {
      const response = await activate(user, code).expect(400);
      expect(response.body.error).toBe('VALIDATION_FAILED');
    }
  });

  it('refuses the code of someone the caller invited with 422 REFERRAL_CYCLE', async () => {
    const a = await createUser(stack);
    const b = await createUser(stack);
    await activate(b, a.referralCode).expect(200);
    const response = await activate(a, b.referralCode).expect(422);
    expect(response.body.error).toBe('REFERRAL_CYCLE');
  });

  it('refuses a circle three deep', async () => {
    const [a, b, c] = [await createUser(stack), await createUser(stack), await createUser(stack)];
    await activate(b, a.referralCode).expect(200); // a invited b
    await activate(c, b.referralCode).expect(200); // b invited c
    const response = await activate(a, c.referralCode).expect(422);
    expect(response.body.error).toBe('REFERRAL_CYCLE');
    // Someone outside the chain may still use any of their codes.
    const d = await createUser(stack);
    await activate(d, c.referralCode).expect(200);
  });

  it('lets exactly one of 20 concurrent activations with two codes win, and every answer agrees', async () => {
    const [first, second, friend] = [await createUser(stack), await createUser(stack), await createUser(stack)];
    const codes = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? first.referralCode : second.referralCode));
    const answers = await Promise.all(codes.map((code) => activate(friend, code)));
    const winner = (await profile(friend)).used_referral_code as string;
    expect([first.referralCode, second.referralCode]).toContain(winner);
    answers.forEach((answer, i) => {
      if (codes[i] === winner) {
        expect(answer.status).toBe(200);
        expect(answer.body.used_referral_code).toBe(winner);
      } else {
        expect(answer.status).toBe(409);
        expect(answer.body.error).toBe('REFERRAL_ALREADY_ACTIVATED');
      }
    });
    const owner = winner === first.referralCode ? first : second;
    const loser = winner === first.referralCode ? second : first;
    const ownerProfile = await profile(owner);
    expect(ownerProfile.referrals_count).toBe(1);
    expect(ownerProfile.referral_users_list.map((r: { phone_number: string }) => r.phone_number)).toEqual([
      friend.phone,
    ]);
    expect((await profile(loser)).referrals_count).toBe(0);
  });

  it('lets at most one of two opposite activations at the same moment succeed', async () => {
    for (let round = 0; round < 5; round++) {
      const a = await createUser(stack);
      const b = await createUser(stack);
      const [ab, ba] = await Promise.all([activate(a, b.referralCode), activate(b, a.referralCode)]);
      expect([ab.status, ba.status].sort()).toEqual([200, 422]);
      expect([ab, ba].find((answer) => answer.status === 422)?.body.error).toBe('REFERRAL_CYCLE');
    }
  });

  it('never lets three activations at the same moment close a circle of three', async () => {
    for (let round = 0; round < 3; round++) {
      const [a, b, c] = [await createUser(stack), await createUser(stack), await createUser(stack)];
      const answers = await Promise.all([
        activate(a, b.referralCode),
        activate(b, c.referralCode),
        activate(c, a.referralCode),
      ]);
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(2);
      expect(statuses.filter((status) => status === 422)).toHaveLength(1);
    }
    const circles = await stack.db.query(`
      WITH RECURSIVE walk(start, node, depth) AS (
        SELECT id, referrer_id, 1 FROM users WHERE referrer_id IS NOT NULL
        UNION ALL
        SELECT walk.start, u.referrer_id, walk.depth + 1 FROM walk JOIN users u ON u.id = walk.node
         WHERE u.referrer_id IS NOT NULL AND walk.depth < 50
      )
      SELECT count(*)::int AS circles FROM walk WHERE node = start`);
    expect(circles[0].circles).toBe(0);
  });

  it('does not hand out a deleted user’s code again, nor accept it, and their invitees keep it', async () => {
    const owner = await createUser(stack);
    const friend = await createUser(stack);
    await activate(friend, owner.referralCode).expect(200);
    await as(stack, owner).delete('/api/v1/users/me/').expect(204);

    expect((await profile(friend)).used_referral_code).toBe(owner.referralCode);
    const late = await createUser(stack);
    const response = await activate(late, owner.referralCode).expect(422);
    expect(response.body.error).toBe('REFERRAL_CODE_NOT_FOUND');
    const reuse = await stack.db.query(
      `INSERT INTO users (id, phone_number, username, referral_code)
       VALUES (gen_random_uuid(), '+79990999999', 'code_thief', $1) ON CONFLICT DO NOTHING RETURNING id`,
      [owner.referralCode],
    );
    expect(reuse).toEqual([]);
  });

  it('drops a deleted invitee from the owner’s list and count', async () => {
    const owner = await createUser(stack);
    const [stays, leaves] = [await createUser(stack), await createUser(stack)];
    await activate(stays, owner.referralCode).expect(200);
    await activate(leaves, owner.referralCode).expect(200);
    await as(stack, leaves).delete('/api/v1/users/me/').expect(204);
    const ownerProfile = await profile(owner);
    expect(ownerProfile.referrals_count).toBe(1);
    expect(ownerProfile.referral_users_list.map((r: { phone_number: string }) => r.phone_number)).toEqual([
      stays.phone,
    ]);
  });

  describe('the rules hold in PostgreSQL, whoever writes', () => {
    it('refuses a self-referral by constraint', async () => {
      const user = await createUser(stack);
      const [{ id }] = await stack.db.query('SELECT id FROM users WHERE phone_number = $1', [user.phone]);
      await expect(
        stack.db.query(
          `UPDATE users SET referrer_id = id, used_referral_code = referral_code, referred_at = now() WHERE id = $1`,
          [id],
        ),
      ).rejects.toMatchObject({ driverError: expect.objectContaining({ constraint: 'users_no_self_referral' }) });
    });

    it('refuses changing an inviter once set', async () => {
      const [a, b, c] = [await createUser(stack), await createUser(stack), await createUser(stack)];
      await activate(c, a.referralCode).expect(200);
      await expect(
        stack.db.query(
          `UPDATE users SET referrer_id = (SELECT id FROM users WHERE phone_number = $2),
                            used_referral_code = $3 WHERE phone_number = $1`,
          [c.phone, b.phone, b.referralCode],
        ),
      ).rejects.toMatchObject({ driverError: expect.objectContaining({ code: 'RF409' }) });
    });

    it('refuses a circle written by hand', async () => {
      const [a, b] = [await createUser(stack), await createUser(stack)];
      await activate(b, a.referralCode).expect(200);
      await expect(
        stack.db.query(
          `UPDATE users SET referrer_id = (SELECT id FROM users WHERE phone_number = $2),
                            used_referral_code = $3, referred_at = now() WHERE phone_number = $1`,
          [a.phone, b.phone, b.referralCode],
        ),
      ).rejects.toMatchObject({ driverError: expect.objectContaining({ code: 'RF422' }) });
    });
  });
});

describe('the referrals list', () => {
  let stack: Stack;
  /** The fixture of the paging tests: an owner whose code 10,000 users activated, made before any test. */
  let influencer: SignedIn & { id: string };

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    influencer = await createUser(stack, nextPhone(), 'influencer');
    await seedInvitees(influencer, 10_000, 'bulk_', 0);
  });
  afterAll(async () => {
    await stack.close();
  });

  /** Invitees written straight into the database: the list's reads are what is under test here. */
  async function seedInvitees(
    owner: { id: string; referralCode: string },
    count: number,
    prefix: string,
    firstNumber: number,
  ): Promise<void> {
    await stack.db.query(
      `INSERT INTO users (id, phone_number, username, referral_code)
       SELECT gen_random_uuid(), '+7998' || lpad((n + $3)::text, 7, '0'), $2 || n,
              lpad((n + $3)::text, 6, '0') -- real codes never contain 0 or 1: no clash
         FROM generate_series(1, $1) AS n`,
      [count, prefix, firstNumber],
    );
    // As the API does it, one activation after another, so the triggers count them and open each referral; a
    // thousand per statement, so that no statement comes near the 15 s statement timeout on a loaded machine.
    for (let done = 0; done < count; done += 1_000) {
      await stack.db.query(
        `UPDATE users SET referrer_id = $2, used_referral_code = $3, referred_at = clock_timestamp()
          WHERE id IN (SELECT id FROM users WHERE username LIKE $1 || '%' AND referrer_id IS NULL
                        ORDER BY username LIMIT 1000)`,
        [prefix, owner.id, owner.referralCode],
      );
    }
  }

  const page = (owner: SignedIn, query: Record<string, string | number>) =>
    as(stack, owner).get('/api/v1/users/me/referrals/').query(query);

  it('reads the profile with the same one query for 0 and for 10,000 referrals', async () => {
    const loner = await createUser(stack);
    let empty: { referrals_count: number } = { referrals_count: -1 };
    const forNone = await countQueries(stack, async () => {
      empty = (await as(stack, loner).get('/api/v1/users/me/').expect(200)).body;
    });
    let full: { referrals_count: number; referral_users_list: unknown[] } = {
      referrals_count: 0,
      referral_users_list: [],
    };
    const forMany = await countQueries(stack, async () => {
      full = (await as(stack, influencer).get('/api/v1/users/me/').expect(200)).body;
    });
    expect(empty.referrals_count).toBe(0);
    expect(full.referrals_count).toBe(10_000);
    expect(full.referral_users_list).toHaveLength(100);
    expect(forNone).toHaveLength(1);
    expect(forMany).toHaveLength(1);
  });

  it('pages through all of them, newest first, without a gap or a repeat', async () => {
    const seen = new Set<string>();
    let cursor: string | null = null;
    let previous = '9999';
    let pages = 0;
    do {
      const response: { body: { total: number; items: unknown[]; next_cursor: string | null } } = await page(
        influencer,
        cursor ? { limit: 100, cursor } : { limit: 100 },
      ).expect(200);
      expect(response.body.total).toBe(10_000);
      for (const item of response.body.items as Array<{ phone_number: string; activated_at: string }>) {
        expect(seen.has(item.phone_number)).toBe(false);
        expect(item.activated_at <= previous).toBe(true);
        previous = item.activated_at;
        seen.add(item.phone_number);
      }
      cursor = response.body.next_cursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(100);
    expect(seen.size).toBe(10_000);
  });

  it('neither skips nor repeats while new referrals arrive between pages', async () => {
    const owner = await createUser(stack);
    await seedInvitees(owner, 130, 'early_', 200_000);
    const first = await page(owner, { limit: 50 }).expect(200);
    await seedInvitees(owner, 30, 'late_', 300_000);
    const second = await page(owner, { limit: 50, cursor: first.body.next_cursor }).expect(200);
    const firstPhones = first.body.items.map((item: { phone_number: string }) => item.phone_number);
    const secondPhones = second.body.items.map((item: { phone_number: string }) => item.phone_number);
    expect(secondPhones.filter((phone: string) => firstPhones.includes(phone))).toEqual([]);
    // The second page is exactly the 50 that followed the first page before the newcomers arrived.
    const expected = await stack.db.query(
      `SELECT phone_number FROM users WHERE referrer_id = $1 AND deleted_at IS NULL
        ORDER BY referred_at DESC, id DESC OFFSET 80 LIMIT 50`,
      [owner.id],
    );
    expect(secondPhones).toEqual(expected.map((row: { phone_number: string }) => row.phone_number));
    expect(second.body.total).toBe(160);
  });

  it.each([
    [{ limit: 0 }, 'limit'],
    [{ limit: 101 }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ cursor: 'garbage' }, 'cursor'],
  ])('refuses %j with 400 naming %s', async (query, field) => {
    const response = await page(influencer, query as Record<string, string | number>).expect(400);
    expect(response.body.error).toBe('VALIDATION_FAILED');
    expect(response.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('answers an empty page for a user nobody invited', async () => {
    const loner = await createUser(stack);
    const response = await as(stack, loner).get('/api/v1/users/me/referrals/').expect(200);
    expect(response.body).toEqual({
      items: [],
      next_cursor: null,
      total: 0,
      by_state: { pending: 0, qualified: 0, final: 0, void: 0, in_review: 0 },
    });
  });
});
