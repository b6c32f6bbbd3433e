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
  preparedRows,
  sqlRow,
} from '@app/domain';
import { REFERRALS_FIRST_PAGE, REFERRALS_NEXT_PAGE, REFERRALS_TOTAL } from '../users/user.queries.js';
import type { ReferralsPageDto } from './dto/referrals-page.dto.js';

export type Activation = 'activated' | 'unchanged';

interface ReferralRow {
  phone_number: string;
  username: string;
  activated_at: string;
  cursor_at: string;
  id: string;
}

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

  /** One page of the users who activated this user's code, newest first, by keyset: the same cost at any depth. */
  async listReferrals(userId: string, limit = 50, cursor?: string): Promise<ReferralsPageDto> {
    const after = cursor ? decodeCursor(cursor) : null;
    const [rows, [count]] = await Promise.all([
      after
        ? preparedRows<ReferralRow>(this.db, REFERRALS_NEXT_PAGE, [userId, limit + 1, after.at, after.id])
        : preparedRows<ReferralRow>(this.db, REFERRALS_FIRST_PAGE, [userId, limit + 1]),
      preparedRows<{ referrals: number }>(this.db, REFERRALS_TOTAL, [userId]),
    ]);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(({ phone_number, username, activated_at }) => ({ phone_number, username, activated_at })),
      next_cursor: rows.length > limit && last ? encodeCursor({ at: last.cursor_at, id: last.id }) : null,
      total: count?.referrals ?? 0,
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
