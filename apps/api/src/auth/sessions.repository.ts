import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { entityManager, runPrepared, type PreparedStatement, type Transaction } from '@app/platform';

/** $1 = session id, $2 = user id: the caller behind a verified access token, while the session is live. */
const LIVE_CALLER: PreparedStatement = {
  name: 'session_user_v1',
  text: `SELECT u.phone_number FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND u.deleted_at IS NULL`,
};

export interface RotatedToken {
  session_id: string;
  user_id: string;
  referral_code: string;
}

/** Every statement on sessions and refresh tokens, named by what it does. */
@Injectable()
export class SessionsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * The phone of the caller behind a live session of a live user, or null.
   * Prepared: every authenticated route but GET /users/me/ runs it first, so
   * bench (f) (activations) pays for it on every request.
   */
  async liveCallerPhone(sessionId: string, userId: string): Promise<string | null> {
    const [row] = await runPrepared<{ phone_number: string }>(this.db, LIVE_CALLER, [sessionId, userId]);
    return row?.phone_number ?? null;
  }

  async insertSession(tx: Transaction, session: { id: string; userId: string }): Promise<void> {
    await entityManager(this.db, tx).query('INSERT INTO sessions (id, user_id) VALUES ($1, $2)', [
      session.id,
      session.userId,
    ]);
  }

  async insertRefreshToken(
    tx: Transaction,
    token: { id: string; sessionId: string; tokenHash: Buffer; ttlSeconds: number },
  ): Promise<void> {
    await entityManager(this.db, tx).query(
      `INSERT INTO refresh_tokens (id, session_id, token_hash, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [token.id, token.sessionId, token.tokenHash, Math.trunc(token.ttlSeconds)],
    );
  }

  /**
   * Marks a live, unexpired, unrotated token of a live session as rotated and
   * answers whose it is; null otherwise. The row lock it takes makes two
   * refreshes with one token take turns: the second finds it rotated.
   */
  async rotate(tx: Transaction, tokenHash: Buffer): Promise<RotatedToken | null> {
    const [rows] = await entityManager(this.db, tx).query<[RotatedToken[], number]>(
      `UPDATE refresh_tokens rt SET rotated_at = now()
         FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE rt.token_hash = $1 AND rt.rotated_at IS NULL AND rt.expires_at > now()
          AND s.id = rt.session_id AND s.revoked_at IS NULL AND u.deleted_at IS NULL
      RETURNING rt.session_id, s.user_id, u.referral_code`,
      [tokenHash],
    );
    return rows[0] ?? null;
  }

  /** Revokes the live session a rotated token belongs to; answers its id, or null when there is none. */
  async revokeForRotatedToken(tx: Transaction, tokenHash: Buffer): Promise<string | null> {
    const [rows] = await entityManager(this.db, tx).query<[Array<{ id: string }>, number]>(
      `UPDATE sessions SET revoked_at = now()
        WHERE revoked_at IS NULL
          AND id = (SELECT session_id FROM refresh_tokens WHERE token_hash = $1 AND rotated_at IS NOT NULL)
      RETURNING id`,
      [tokenHash],
    );
    return rows[0]?.id ?? null;
  }

  /** Revokes the session of a token, whatever its state; unknown tokens change nothing. */
  async revokeForToken(tokenHash: Buffer): Promise<void> {
    await this.db.query(
      `UPDATE sessions SET revoked_at = now()
        WHERE revoked_at IS NULL AND id = (SELECT session_id FROM refresh_tokens WHERE token_hash = $1)`,
      [tokenHash],
    );
  }

  async revokeAllOf(tx: Transaction, userId: string): Promise<void> {
    await entityManager(this.db, tx).query(
      'UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL',
      [userId],
    );
  }
}
