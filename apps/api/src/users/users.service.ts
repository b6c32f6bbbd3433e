import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { DomainError, ErrorCode, generateReferralCode, generateUsername, sqlRow, sqlRows } from '@app/domain';
import type { ProfileResponseDto } from './dto/profile-response.dto.js';

export interface SignedInUser {
  id: string;
  username: string;
  referralCode: string;
  created: boolean;
}

interface UserRow {
  id: string;
  username: string;
  phone_number: string;
  referral_code: string;
  created_at: Date;
}

/** Attempts to find a free invite code (and generated username) before giving up. */
const MAX_ALLOCATION_ATTEMPTS = 10;

@Injectable()
export class UsersService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

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
      const existing = await sqlRow<UserRow>(
        manager,
        'SELECT id, username, referral_code FROM users WHERE phone_number = $1 AND deleted_at IS NULL',
        [phoneNumber],
      );
      if (existing) return toSignedIn(existing, false);

      const username = attempt === 0 && requestedUsername ? requestedUsername : generateUsername();
      // DO NOTHING covers every unique index: phone, username and invite code.
      // On a clash we look again, then retry with a new code and a generated name.
      const inserted = await sqlRow<UserRow>(
        manager,
        `INSERT INTO users (id, phone_number, username, referral_code) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING id, username, referral_code`,
        [randomUUID(), phoneNumber, username, generateReferralCode()],
      );
      if (inserted) return toSignedIn(inserted, true);
    }
    throw new Error('could not allocate a unique invite code and username');
  }

  async getProfile(userId: string): Promise<ProfileResponseDto> {
    const user = await sqlRow<UserRow>(
      this.db,
      `SELECT id, username, phone_number, referral_code, created_at
         FROM users WHERE id = $1 AND deleted_at IS NULL`,
      [userId],
    );
    if (!user) throw new DomainError(ErrorCode.USER_NOT_FOUND);
    return {
      id: user.id,
      username: user.username,
      phone_number: user.phone_number,
      referral_code: user.referral_code,
      used_referral_code: null,
      referrals_count: 0,
      referral_users_list: [],
      created_at: user.created_at.toISOString(),
    };
  }

  /**
   * Deletes a user: phone number and username are erased at once, every session
   * ends (so their access tokens stop working), and the row stays as a tombstone
   * that keeps the invite code from ever being handed out again.
   */
  async deleteUser(userId: string): Promise<void> {
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
}

function toSignedIn(row: UserRow, created: boolean): SignedInUser {
  return { id: row.id, username: row.username, referralCode: row.referral_code, created };
}
