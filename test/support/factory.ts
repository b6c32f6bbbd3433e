import { UnitOfWork } from '../../libs/platform/src/index.js';
import { TokensService } from '../../apps/api/src/auth/tokens.service.js';
import { UsersService } from '../../apps/api/src/users/users.service.js';
import { nextPhone } from './phones.js';
import type { SignedIn, Stack } from './stack.js';

export interface TestUser extends SignedIn {
  id: string;
  username: string;
}

/**
 * A user with a live session and its tokens, made through the API's own services
 * (as a first sign-in makes them) without the SMS round trip: for every test but
 * those of sign-in and delivery themselves.
 */
export async function createUser(stack: Stack, phone = nextPhone(), username?: string): Promise<TestUser> {
  const users = stack.api.get(UsersService, { strict: false });
  const tokens = stack.api.get(TokensService, { strict: false });
  const uow = stack.api.get(UnitOfWork, { strict: false });
  return uow.run(async (tx) => {
    const user = await users.findOrCreateByPhone(tx, phone, username ?? null);
    if (username && user.username !== username) throw new Error(`username ${username} is taken`);
    const issued = await tokens.startSession(tx, user.id);
    return {
      id: user.id,
      phone,
      username: user.username,
      token: issued.accessToken,
      refreshToken: issued.refreshToken,
      referralCode: user.referralCode,
      isNewUser: user.created,
    };
  });
}

/** Another session (another device) of an existing user. */
export async function startSession(
  stack: Stack,
  user: { id: string },
): Promise<{ token: string; refreshToken: string }> {
  const tokens = stack.api.get(TokensService, { strict: false });
  const issued = await stack.api.get(UnitOfWork, { strict: false }).run((tx) => tokens.startSession(tx, user.id));
  return { token: issued.accessToken, refreshToken: issued.refreshToken };
}
