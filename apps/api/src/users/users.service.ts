import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { randomUUID } from 'node:crypto';
import {
  AppConfig,
  DomainError,
  ErrorCode,
  decodeCursor,
  encodeCursor,
  generateReferralCode,
  generateUsername,
  normalizePhoneNumber,
  pgConstraint,
  pgErrorCode,
  sqlRow,
  sqlRows,
  preparedRows,
  transactionWithRetry,
} from '@app/domain';
import type { AuthUser, TokenHolder } from '../auth/auth-user.js';
import { ReferralService } from '../referral/referral.service.js';
import type { PageQueryDto, ReferralsPageDto } from '../referral/dto/referrals-page.dto.js';
import type { CreateUserDto } from './dto/create-user.dto.js';
import type { ProfileResponseDto, UserResponseDto, UsersPageDto } from './dto/profile-response.dto.js';
import type { UpdateUserDto } from './dto/update-user.dto.js';
import { cursorAt, OWN_PROFILE, PROFILE, USER_COLUMNS } from './user.queries.js';

export interface SignedInUser {
  id: string;
  username: string;
  referralCode: string;
  created: boolean;
}

interface IdentityRow {
  id: string;
  username: string;
  referral_code: string;
}

type UserRow = UserResponseDto & { cursor_at: string };

/** Attempts to find a free invite code (and generated username) before giving up. */
const MAX_ALLOCATION_ATTEMPTS = 10;

@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly referrals: ReferralService,
  ) {}

  async isUsernameTaken(username: string): Promise<boolean> {
    const found = await sqlRow(
      this.db,
      'SELECT 1 AS taken FROM users WHERE lower(username) = lower($1) AND deleted_at IS NULL',
      [username],
    );
    return found !== null;
  }

  /**
   * The live user with this phone, created on the spot when there is none, with a
   * fresh invite code and the requested username (or a generated one when it is
   * missing or was taken in the meantime).
   */
  async findOrCreateByPhone(
    manager: EntityManager,
    phoneNumber: string,
    requestedUsername: string | null,
  ): Promise<SignedInUser> {
    for (let attempt = 0; attempt < MAX_ALLOCATION_ATTEMPTS; attempt++) {
      const existing = await sqlRow<IdentityRow>(
        manager,
        'SELECT id, username, referral_code FROM users WHERE phone_number = $1 AND deleted_at IS NULL',
        [phoneNumber],
      );
      if (existing) return toSignedIn(existing, false);

      const username = attempt === 0 && requestedUsername ? requestedUsername : generateUsername();
      const inserted = await this.insertUser(manager, phoneNumber, username);
      if (inserted) return toSignedIn(inserted, true);
    }
    throw new Error('could not allocate a unique invite code and username');
  }

  /**
   * The caller's own profile: the session check, the user, the count and the
   * newest 100 referrals in one statement, whatever their number. A session that
   * ended (or a deleted user) finds no row: 401.
   */
  async getOwnProfile(holder: TokenHolder): Promise<ProfileResponseDto> {
    const [profile] = await preparedRows<ProfileResponseDto>(this.db, OWN_PROFILE, [holder.id, holder.sessionId]);
    if (!profile) throw new DomainError(ErrorCode.UNAUTHORIZED);
    return profile;
  }

  /** A profile by username (or `me`), for its owner or an admin. */
  async getProfile(caller: AuthUser, username: string): Promise<ProfileResponseDto> {
    const userId = await this.resolve(caller, username);
    const [profile] = await preparedRows<ProfileResponseDto>(this.db, PROFILE, [userId]);
    if (!profile) throw new DomainError(ErrorCode.USER_NOT_FOUND);
    return profile;
  }

  async listReferrals(caller: AuthUser, username: string, query: PageQueryDto): Promise<ReferralsPageDto> {
    const userId = await this.resolve(caller, username);
    return this.referrals.listReferrals(userId, query.limit, query.cursor);
  }

  /** Admins only: every live user, newest first, by keyset. */
  async listUsers(caller: AuthUser, query: PageQueryDto): Promise<UsersPageDto> {
    if (!caller.isAdmin) throw new DomainError(ErrorCode.FORBIDDEN);
    const limit = query.limit ?? 50;
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    const rows = await sqlRows<UserRow>(
      this.db,
      `SELECT ${USER_COLUMNS}, ${cursorAt('u.created_at')} AS cursor_at
         FROM users u LEFT JOIN referral_counts c ON c.user_id = u.id
        WHERE u.deleted_at IS NULL
          AND ($2::timestamp IS NULL OR (u.created_at, u.id) < ($2::timestamp AT TIME ZONE 'UTC', $3::uuid))
        ORDER BY u.created_at DESC, u.id DESC
        LIMIT $1`,
      [limit + 1, after?.at ?? null, after?.id ?? null],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(({ cursor_at: _cursor, ...user }) => user),
      next_cursor: rows.length > limit && last ? encodeCursor({ at: last.cursor_at, id: last.id }) : null,
    };
  }

  /** Admins only: a user created by hand gets an invite code like any other. */
  async createUser(caller: AuthUser, body: CreateUserDto): Promise<ProfileResponseDto> {
    if (!caller.isAdmin) throw new DomainError(ErrorCode.FORBIDDEN);
    const phoneNumber = normalizePhoneNumber(body.phone_number, this.config.defaultPhoneRegion);
    return this.db.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))', [phoneNumber]);
      const taken = await sqlRow(
        manager,
        'SELECT 1 AS taken FROM users WHERE phone_number = $1 AND deleted_at IS NULL',
        [phoneNumber],
      );
      if (taken) throw new DomainError(ErrorCode.PHONE_NUMBER_TAKEN);
      if (body.username && (await this.isUsernameTaken(body.username))) {
        throw new DomainError(ErrorCode.USERNAME_TAKEN);
      }
      for (let attempt = 0; attempt < MAX_ALLOCATION_ATTEMPTS; attempt++) {
        const inserted = await this.insertUser(manager, phoneNumber, body.username ?? generateUsername());
        if (inserted) return this.profileOf(manager, inserted.id);
        if (body.username && (await this.isUsernameTaken(body.username))) {
          throw new DomainError(ErrorCode.USERNAME_TAKEN);
        }
      }
      throw new Error('could not allocate a unique invite code and username');
    });
  }

  /**
   * Changes the writable fields, all or nothing: a refused activation leaves the
   * username as it was. Runs again when PostgreSQL broke a deadlock between two
   * activations that would have closed a circle; the second run then sees the
   * first one's result and refuses with REFERRAL_CYCLE.
   */
  async updateUser(caller: AuthUser, username: string, body: UpdateUserDto): Promise<ProfileResponseDto> {
    const userId = await this.resolve(caller, username);
    return transactionWithRetry(this.db, async (manager) => {
      if (body.username !== undefined) await this.rename(manager, userId, body.username);
      if (body.used_referral_code !== undefined) {
        await this.referrals.activate(manager, userId, body.used_referral_code);
      }
      return this.profileOf(manager, userId);
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
    await this.db.transaction(async (manager) => {
      const deleted = await sqlRows(
        manager,
        `UPDATE users SET deleted_at = now(), phone_number = NULL, username = NULL
          WHERE id = $1 AND deleted_at IS NULL RETURNING id`,
        [userId],
      );
      if (deleted.length === 0) throw new DomainError(ErrorCode.USER_NOT_FOUND);
      await manager.query('UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [userId]);
    });
  }

  /**
   * Object-level authorization: `me` and the caller's own username are theirs;
   * anyone else's is for admins only. Other callers get 403 whether or not the
   * username exists, so the answer does not tell which usernames are taken.
   */
  private async resolve(caller: AuthUser, username: string): Promise<string> {
    if (username.toLowerCase() === 'me') return caller.id;
    const target = await sqlRow<{ id: string }>(
      this.db,
      'SELECT id FROM users WHERE lower(username) = lower($1) AND deleted_at IS NULL',
      [username],
    );
    if (target?.id === caller.id) return caller.id;
    if (!caller.isAdmin) throw new DomainError(ErrorCode.FORBIDDEN);
    if (!target) throw new DomainError(ErrorCode.USER_NOT_FOUND);
    return target.id;
  }

  private async profileOf(executor: DataSource | EntityManager, userId: string): Promise<ProfileResponseDto> {
    const profile = await sqlRow<ProfileResponseDto>(executor, PROFILE.text, [userId]);
    if (!profile) throw new DomainError(ErrorCode.USER_NOT_FOUND);
    return profile;
  }

  private async rename(manager: EntityManager, userId: string, username: string): Promise<void> {
    try {
      await manager.query('UPDATE users SET username = $2 WHERE id = $1 AND deleted_at IS NULL', [userId, username]);
    } catch (error) {
      if (pgErrorCode(error) === '23505' && pgConstraint(error) === 'users_username_key') {
        throw new DomainError(ErrorCode.USERNAME_TAKEN);
      }
      throw error;
    }
  }

  /** Inserts a user; null when the phone, the username or the (random) invite code is taken. */
  private insertUser(manager: EntityManager, phoneNumber: string, username: string): Promise<IdentityRow | null> {
    // DO NOTHING covers every unique index: phone, username and invite code.
    return sqlRow<IdentityRow>(
      manager,
      `INSERT INTO users (id, phone_number, username, referral_code) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING id, username, referral_code`,
      [randomUUID(), phoneNumber, username, generateReferralCode()],
    );
  }
}

function toSignedIn(row: IdentityRow, created: boolean): SignedInUser {
  return { id: row.id, username: row.username, referralCode: row.referral_code, created };
}
