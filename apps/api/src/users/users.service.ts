import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DomainError, ErrorCode, generateReferralCode, generateUsername, normalizePhoneNumber } from '@app/domain';
import { AppConfig, UnitOfWork, type Transaction } from '@app/platform';
import type { AuthUser, TokenHolder } from '../auth/auth-user.js';
import { TokensService } from '../auth/tokens.service.js';
import { cursorOf, DEFAULT_PAGE_SIZE, keysetPage, type PageQueryDto } from '../common/keyset.js';
import type { ReferralsPageDto } from '../referral/dto/referrals-page.dto.js';
import { ReferralLifecycleService } from '../referral/referral-lifecycle.service.js';
import { NO_SOURCE, ReferralService } from '../referral/referral.service.js';
import type { CreateUserDto } from './dto/create-user.dto.js';
import type { ProfileResponseDto, UsersPageDto } from './dto/profile-response.dto.js';
import type { UpdateUserDto } from './dto/update-user.dto.js';
import { UsersRepository } from './users.repository.js';

export interface SignedInUser {
  id: string;
  username: string;
  referralCode: string;
  created: boolean;
}

/** Attempts at a free invite code (random, so a clash is rare) and generated username before giving up. */
const MAX_ALLOCATION_ATTEMPTS = 10;

/** The users resource: profiles, object-level authorization, and creating, changing and deleting users. */
@Injectable()
export class UsersService {
  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersRepository,
    private readonly uow: UnitOfWork,
    private readonly referrals: ReferralService,
    private readonly lifecycle: ReferralLifecycleService,
    private readonly tokens: TokensService,
  ) {}

  isUsernameTaken(username: string): Promise<boolean> {
    return this.users.isUsernameTaken(username);
  }

  /**
   * The live user with this phone, created on the spot when there is none, with a
   * fresh invite code and the requested username (or a generated one when it is
   * missing or was taken in the meantime). Runs in the sign-in's transaction.
   */
  async findOrCreateByPhone(
    tx: Transaction,
    phoneNumber: string,
    requestedUsername: string | null,
  ): Promise<SignedInUser> {
    for (let attempt = 0; attempt < MAX_ALLOCATION_ATTEMPTS; attempt++) {
      const existing = await this.users.liveByPhone(tx, phoneNumber);
      if (existing) {
        return { id: existing.id, username: existing.username, referralCode: existing.referral_code, created: false };
      }
      const candidate = {
        id: randomUUID(),
        phoneNumber,
        username: attempt === 0 && requestedUsername ? requestedUsername : generateUsername(),
        referralCode: generateReferralCode(),
      };
      const inserted = await this.users.insertIfFree(tx, candidate);
      if (inserted)
        return { id: inserted.id, username: inserted.username, referralCode: inserted.referralCode, created: true };
    }
    throw new Error('could not allocate a unique invite code and username');
  }

  /**
   * Moves the user to a number whose code they just confirmed, in the
   * confirmation's transaction: PHONE_NUMBER_TAKEN when a live user has it.
   */
  async movePhone(tx: Transaction, userId: string, phoneNumber: string): Promise<void> {
    const moved = await this.users.movePhone(tx, userId, phoneNumber);
    if (moved === 'taken') throw new DomainError(ErrorCode.PHONE_NUMBER_TAKEN);
    if (moved === 'gone') throw new DomainError(ErrorCode.UNAUTHORIZED);
  }

  /** The caller's own profile; a session that ended (or a deleted user) finds none: 401. */
  async getOwnProfile(holder: TokenHolder): Promise<ProfileResponseDto> {
    const profile = await this.users.ownProfile(holder.id, holder.sessionId);
    if (!profile) throw new DomainError(ErrorCode.UNAUTHORIZED);
    return this.withInviteUrl(profile);
  }

  /** A profile by username (or `me`), for its owner or an admin. */
  async getProfile(caller: AuthUser, username: string): Promise<ProfileResponseDto> {
    return this.profileOf(await this.resolve(caller, username));
  }

  async listReferrals(caller: AuthUser, username: string, query: PageQueryDto): Promise<ReferralsPageDto> {
    return this.referrals.list(await this.resolve(caller, username), query);
  }

  /** Admins only: every live user, newest first, by keyset. */
  async listUsers(query: PageQueryDto): Promise<UsersPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.users.page(limit, cursorOf(query));
    return keysetPage(rows, limit, ({ cursor_at: _cursor, ...user }) => this.withInviteUrl(user));
  }

  /** Admins only: a user created by hand gets an invite code like any other. */
  async createUser(body: CreateUserDto): Promise<ProfileResponseDto> {
    const phoneNumber = normalizePhoneNumber(body.phone_number, this.config.defaultPhoneRegion);
    for (let attempt = 0; attempt < MAX_ALLOCATION_ATTEMPTS; attempt++) {
      const user = {
        id: randomUUID(),
        phoneNumber,
        username: body.username ?? generateUsername(),
        referralCode: generateReferralCode(),
      };
      // The unique indexes decide; a clash of the random parts is tried again.
      const taken = await this.uow.run(async (tx) =>
        (await this.users.insertIfFree(tx, user)) ? null : this.users.takenValue(tx, user),
      );
      if (!taken) return this.profileOf(user.id);
      if (taken === 'phone_number') throw new DomainError(ErrorCode.PHONE_NUMBER_TAKEN);
      if (taken === 'username' && body.username) throw new DomainError(ErrorCode.USERNAME_TAKEN);
    }
    throw new Error('could not allocate a unique invite code and username');
  }

  /**
   * Changes the writable fields, all or nothing: a refused activation leaves the
   * username as it was. An activation by the user themself carries their
   * address and session (the fraud signals); one by an admin or a key, none.
   */
  async updateUser(
    caller: AuthUser,
    username: string,
    body: UpdateUserDto,
    address: string | null,
  ): Promise<ProfileResponseDto> {
    const userId = await this.resolve(caller, username);
    // Every attempt counts (in a transaction of its own), a refused one too: a 409 says a name is taken.
    // Admins are not held to it.
    if (body.username !== undefined && !caller.isAdmin) {
      const { renamesPerHour } = this.config.users;
      const retryAfterSeconds = await this.uow.run((tx) => this.users.claimRename(tx, userId, renamesPerHour));
      if (retryAfterSeconds !== null) {
        throw new DomainError(ErrorCode.RATE_LIMITED, `At most ${renamesPerHour} renames per hour. Try again later.`, {
          retryAfterSeconds,
        });
      }
    }
    return this.uow.run(async (tx) => {
      if (body.username !== undefined && (await this.users.rename(tx, userId, body.username)) === 'taken') {
        throw new DomainError(ErrorCode.USERNAME_TAKEN);
      }
      if (body.used_referral_code !== undefined) {
        const source =
          userId === caller.id && !caller.apiKey ? { address, deviceId: null, sessionId: caller.sessionId } : NO_SOURCE;
        await this.referrals.activate(tx, userId, body.used_referral_code, source);
      }
      return this.profileOf(userId, tx);
    });
  }

  /**
   * Deletes a user: phone number and username are erased at once, every session
   * ends (so their access tokens stop working), and the row stays as a tombstone
   * that keeps the invite code from ever being handed out again. Their invitees
   * keep the code they activated.
   */
  async deleteUser(caller: AuthUser, username: string): Promise<void> {
    const userId = await this.resolve(caller, username);
    await this.uow.run(async (tx) => {
      // Before the row changes: the referral's lock, then the inviter's counts, as every step takes them.
      await this.lifecycle.voidOnLeaving(tx, userId);
      await this.referrals.rememberBeforeLeavingPhone(tx, userId);
      if (!(await this.users.softDelete(tx, userId))) throw new DomainError(ErrorCode.USER_NOT_FOUND);
      await this.tokens.endAllSessions(tx, userId);
    });
  }

  /**
   * Object-level authorization: `me` and the caller's own username are theirs;
   * anyone else's is for admins only. Other callers get 403 whether or not the
   * username exists, so the answer does not tell which usernames are taken.
   */
  private async resolve(caller: AuthUser, username: string): Promise<string> {
    if (username.toLowerCase() === 'me') return caller.id;
    const targetId = await this.users.idByUsername(username);
    if (targetId === caller.id) return caller.id;
    if (!caller.isAdmin) throw new DomainError(ErrorCode.FORBIDDEN);
    if (!targetId) throw new DomainError(ErrorCode.USER_NOT_FOUND);
    return targetId;
  }

  private async profileOf(userId: string, tx?: Transaction): Promise<ProfileResponseDto> {
    const profile = await this.users.profile(userId, tx);
    if (!profile) throw new DomainError(ErrorCode.USER_NOT_FOUND);
    return this.withInviteUrl(profile);
  }

  /** The link a user shares: the page, which reads `ref` and sends it with the sign-in. */
  private withInviteUrl<T extends { referral_code: string }>(user: T): T & { invite_url: string } {
    return { ...user, invite_url: `${this.config.http.publicUrl}/?ref=${user.referral_code}` };
  }
}
