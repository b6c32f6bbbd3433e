import { createUser } from './support/factory.js';
import { as, nextPhone, requestCode, startStack, type Stack } from './support/stack.js';

/**
 * Invite links: `referral_code` sent with the sign-in (the page sends the
 * link's `ref`). Every rule of an activation holds, and a code that cannot be
 * activated never blocks the sign-in.
 */

type SignInAnswer = {
  token: string;
  is_new_user: boolean;
  referral_code: string;
  referral?: { activated: boolean; error: string | null };
};

describe('signing in through an invite link', () => {
  let stack: Stack;

  beforeAll(async () => {
    // Returning users sign in several times here: no cooldown between their codes.
    stack = await startStack({
      env: { PUBLIC_URL: 'https://app.example.com/', CODE_RESEND_SECONDS: '0', CODES_PER_HOUR: '100' },
    });
  });
  afterAll(async () => {
    await stack.close();
  });

  async function signInWith(phone: string, referralCode?: unknown): Promise<SignInAnswer> {
    const code = await requestCode(stack, phone);
    const body =
      referralCode === undefined
        ? { phone_number: phone, code }
        : { phone_number: phone, code, referral_code: referralCode };
    return (await stack.http().post('/api/v1/auth/code/').send(body).expect(200)).body as SignInAnswer;
  }

  const profileOf = async (token: string) =>
    (await as(stack, { token }).get('/api/v1/users/me/').expect(200)).body as {
      id: string;
      used_referral_code: string | null;
      referred_by: string | null;
      invite_url: string;
      referrals_count: number;
    };

  const eventsFor = async (userId: string) =>
    stack.db.query<Array<{ type: string; created_at: Date }>>(
      `SELECT type, created_at FROM events WHERE body::jsonb -> 'data' ->> 'id' = $1
          OR body::jsonb -> 'data' -> 'referee' ->> 'id' = $1 ORDER BY created_at, type DESC`,
      [userId],
    );

  it('carries the invite link in the profile', async () => {
    const inviter = await createUser(stack, nextPhone(), 'link_owner');
    expect((await profileOf(inviter.token)).invite_url).toBe(`https://app.example.com/?ref=${inviter.referralCode}`);
  });

  it('activates a good code for a new user in the creation’s transaction: user.created, then referral.activated', async () => {
    const inviter = await createUser(stack, nextPhone(), 'link_inviter');
    const answer = await signInWith(nextPhone(), inviter.referralCode.toLowerCase());
    expect(answer).toMatchObject({ is_new_user: true, referral: { activated: true, error: null } });
    const friend = await profileOf(answer.token);
    expect(friend).toMatchObject({ used_referral_code: inviter.referralCode, referred_by: 'link_inviter' });
    expect((await profileOf(inviter.token)).referrals_count).toBe(1);
    // Sign-up qualifies (REFERRAL_QUALIFY_ON=signup), and with no hold the referral is final in the same transaction.
    expect((await eventsFor(friend.id)).map((event) => event.type)).toEqual([
      'user.created',
      'referral.activated',
      'referral.qualified',
      'referral.finalized',
    ]);
  });

  // A new user has no code and no invitees before the sign-in: their own code or a circle cannot reach them.
  it.each([
    ['an unknown code', () => Promise.resolve('ZZZZZZ')],
    ['a code of the wrong shape', () => Promise.resolve('not-a-code!')],
    ['an empty code', () => Promise.resolve('')],
    [
      'a deleted inviter’s code',
      async () => {
        const gone = await createUser(stack);
        await as(stack, gone).delete('/api/v1/users/me/').expect(204);
        return gone.referralCode;
      },
    ],
  ])('signs a new user in unattributed with %s, and says the code was not found', async (_, codeOf) => {
    const answer = await signInWith(nextPhone(), await codeOf());
    expect(answer).toMatchObject({
      is_new_user: true,
      referral: { activated: false, error: 'REFERRAL_CODE_NOT_FOUND' },
    });
    const friend = await profileOf(answer.token);
    expect(friend).toMatchObject({ used_referral_code: null, referred_by: null });
    expect((await eventsFor(friend.id)).map((event) => event.type)).toEqual(['user.created']);
  });

  it('refuses a referral_code that is not a string with 400, and signs nobody in', async () => {
    const phone = nextPhone();
    const code = await requestCode(stack, phone);
    const refused = await stack
      .http()
      .post('/api/v1/auth/code/')
      .send({ phone_number: phone, code, referral_code: 123 })
      .expect(400);
    expect(refused.body).toMatchObject({ error: 'VALIDATION_FAILED' });
    // The code is still good: the refusal came before it was looked at.
    await stack.http().post('/api/v1/auth/code/').send({ phone_number: phone, code }).expect(200);
  });

  it('applies the ordinary rules to a returning user who has no inviter yet', async () => {
    const returning = await createUser(stack);
    const inviter = await createUser(stack, nextPhone(), 'link_later');
    const answer = await signInWith(returning.phone, inviter.referralCode);
    expect(answer).toMatchObject({ is_new_user: false, referral: { activated: true, error: null } });
    expect(await profileOf(answer.token)).toMatchObject({ referred_by: 'link_later' });
  });

  it('tells a returning user why their own code, a circle or a second inviter cannot be used, and signs them in', async () => {
    const a = await createUser(stack);
    const b = await createUser(stack);
    await as(stack, b).patch('/api/v1/users/me/', { used_referral_code: a.referralCode }).expect(200);
    const other = await createUser(stack);

    expect((await signInWith(a.phone, a.referralCode)).referral).toEqual({ activated: false, error: 'REFERRAL_SELF' });
    expect((await signInWith(a.phone, b.referralCode)).referral).toEqual({
      activated: false,
      error: 'REFERRAL_CYCLE',
    });
    const again = await signInWith(b.phone, other.referralCode);
    expect(again).toMatchObject({
      is_new_user: false,
      referral: { activated: false, error: 'REFERRAL_ALREADY_ACTIVATED' },
    });
    expect(await profileOf(again.token)).toMatchObject({ used_referral_code: a.referralCode });
    expect((await profileOf(a.token)).referrals_count).toBe(1);
    expect((await profileOf(other.token)).referrals_count).toBe(0);
  });

  it('attributes every one of 20 concurrent first sign-ins with the same link', async () => {
    const inviter = await createUser(stack);
    const phones = Array.from({ length: 20 }, () => nextPhone());
    const codes = await Promise.all(phones.map((phone) => requestCode(stack, phone)));
    const answers = await Promise.all(
      phones.map(
        async (phone, i) =>
          (
            await stack
              .http()
              .post('/api/v1/auth/code/')
              .send({ phone_number: phone, code: codes[i], referral_code: inviter.referralCode })
              .expect(200)
          ).body as SignInAnswer,
      ),
    );
    expect(answers.map((answer) => answer.referral)).toEqual(Array(20).fill({ activated: true, error: null }));
    expect((await profileOf(inviter.token)).referrals_count).toBe(20);
    const [{ count }] = await stack.db.query<Array<{ count: number }>>(
      `SELECT count(*)::int AS count FROM events WHERE type = 'referral.activated'
          AND body::jsonb -> 'data' -> 'referrer' ->> 'id' = $1`,
      [inviter.id],
    );
    expect(count).toBe(20);
  });
});
