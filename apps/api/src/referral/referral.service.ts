import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import {
  DomainError,
  ErrorCode,
  decodeCursor,
  encodeCursor,
  normalizeReferralCode,
  pgConstraint,
  pgErrorCode,
  sqlRow,
  sqlRows,
} from '@app/domain';
import type { ReferralsPageDto } from './dto/referrals-page.dto.js';

export type Activation = 'activated' | 'unchanged';

interface ReferralRow {
  phone_number: string;
  username: string;
  activated_at: string;
  cursor_at: string;
  id: string;
}

/** The UTC text PostgreSQL gives for a timestamp, to the microsecond: the cursor's sort key. */
const CURSOR_AT = `to_char(referred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`;
export const ISO_UTC = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

@Injectable()
export class ReferralService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Activates someone's invite code for a user, inside the caller's transaction.
   * The user's row is locked first, so concurrent activations for one user take
   * turns: the first wins, a retry of the same code is a harmless no-op, any
   * other code is REFERRAL_ALREADY_ACTIVATED. Circles are refused by the
   * database trigger (see the referrals migration), at any depth.
   */
  async activate(manager: EntityManager, userId: string, rawCode: string): Promise<Activation> {
    const code = normalizeReferralCode(rawCode);
    const user = await sqlRow<{ used_referral_code: string | null }>(
      manager,
      'SELECT used_referral_code FROM users WHERE id = $1 AND deleted_at IS NULL FOR UPDATE',
      [userId],
    );
    if (!user) throw new DomainError(ErrorCode.USER_NOT_FOUND);
    if (user.used_referral_code === code) return 'unchanged';
    if (user.used_referral_code) throw new DomainError(ErrorCode.REFERRAL_ALREADY_ACTIVATED);

    const owner = await sqlRow<{ id: string }>(
      manager,
      'SELECT id FROM users WHERE referral_code = $1 AND deleted_at IS NULL',
      [code],
    );
    if (!owner) throw new DomainError(ErrorCode.REFERRAL_CODE_NOT_FOUND);
    if (owner.id === userId) throw new DomainError(ErrorCode.REFERRAL_SELF);

    try {
      await manager.query(
        `UPDATE users SET referrer_id = $2, used_referral_code = $3, referred_at = clock_timestamp()
          WHERE id = $1 AND referrer_id IS NULL`,
        [userId, owner.id, code],
      );
    } catch (error) {
      throw translate(error);
    }
    return 'activated';
  }

  /** One page of the users who activated this user's code, newest first, by keyset. */
  async listReferrals(userId: string, limit = 50, cursor?: string): Promise<ReferralsPageDto> {
    const after = cursor ? decodeCursor(cursor) : null;
    const rows = await sqlRows<ReferralRow>(
      this.db,
      `SELECT phone_number, username, ${ISO_UTC('referred_at')} AS activated_at, ${CURSOR_AT} AS cursor_at, id
         FROM users
        WHERE referrer_id = $1 AND deleted_at IS NULL
          AND ($3::timestamp IS NULL OR (referred_at, id) < ($3::timestamp AT TIME ZONE 'UTC', $4::uuid))
        ORDER BY referred_at DESC, id DESC
        LIMIT $2`,
      [userId, limit + 1, after?.at ?? null, after?.id ?? null],
    );
    const total = await sqlRow<{ referrals: number }>(
      this.db,
      'SELECT referrals FROM referral_counts WHERE user_id = $1',
      [userId],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(({ phone_number, username, activated_at }) => ({ phone_number, username, activated_at })),
      next_cursor: rows.length > limit && last ? encodeCursor({ at: last.cursor_at, id: last.id }) : null,
      total: total?.referrals ?? 0,
    };
  }
}

/** The database's refusals, as the API's error codes. */
function translate(error: unknown): unknown {
  switch (pgErrorCode(error)) {
    case 'RF409':
      return new DomainError(ErrorCode.REFERRAL_ALREADY_ACTIVATED);
    case 'RF422':
      return new DomainError(ErrorCode.REFERRAL_CYCLE);
    case '23514':
      return pgConstraint(error) === 'users_no_self_referral' ? new DomainError(ErrorCode.REFERRAL_SELF) : error;
    default:
      return error;
  }
}
