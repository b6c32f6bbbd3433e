import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { entityManager, runPrepared, type PreparedStatement, type Transaction } from '@app/platform';

/** $1 = session id, $2 = user id: the caller behind a verified access token, while the session is live. */
const LIVE_CALLER: PreparedStatement = {
  name: 'session_user_v2',
  text: `SELECT u.phone_number, s.created_at AS signed_in_at FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > now()
            AND u.deleted_at IS NULL`,
};

export interface RotatedToken {
  session_id: string;
  user_id: string;
  referral_code: string;
}

/** Where a session was started from: the request's User-Agent, its label and the client address. */
export interface SessionDevice {
  userAgent: string | null;
  device: string;
  ipAddress: string | null;
  /** The device id the client sent with the sign-in (VerifyCodeDto.device_id); null: none. */
  deviceId?: string | null;
}

/** A live session as its person sees it. */
export interface SessionRow {
  id: string;
  device: string | null;
  user_agent: string | null;
  ip_address: string | null;
  created_at: Date;
  last_used_at: Date;
  expires_at: Date;
}

/** Every statement on sessions and refresh tokens, named by what it does. */
@Injectable()
export class SessionsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * The phone of the caller behind a live session of a live user, and when the
   * session signed in; null when there is none. Prepared: every authenticated
   * route but GET /users/me/ runs it first, so bench (f) (activations) pays for
   * it on every request.
   */
  async liveCaller(sessionId: string, userId: string): Promise<{ phoneNumber: string; signedInAt: Date } | null> {
    const [row] = await runPrepared<{ phone_number: string; signed_in_at: Date }>(this.db, LIVE_CALLER, [
      sessionId,
      userId,
    ]);
    return row ? { phoneNumber: row.phone_number, signedInAt: row.signed_in_at } : null;
  }

  async insertSession(
    tx: Transaction,
    session: { id: string; userId: string; maxAgeSeconds: number } & SessionDevice,
  ): Promise<void> {
    await entityManager(this.db, tx).query(
      `INSERT INTO sessions (id, user_id, user_agent, device, ip_address, device_id, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))`,
      [
        session.id,
        session.userId,
        session.userAgent,
        session.device,
        session.ipAddress,
        session.deviceId ?? null,
        session.maxAgeSeconds,
      ],
    );
  }

  async insertRefreshToken(
    tx: Transaction,
    token: { id: string; sessionId: string; tokenHash: Buffer; ttlSeconds: number },
  ): Promise<void> {
    // A refresh token never outlives its session's absolute end.
    await entityManager(this.db, tx).query(
      `INSERT INTO refresh_tokens (id, session_id, token_hash, expires_at)
       SELECT $1, $2, $3, least(now() + make_interval(secs => $4), s.expires_at) FROM sessions s WHERE s.id = $2`,
      [token.id, token.sessionId, token.tokenHash, Math.trunc(token.ttlSeconds)],
    );
  }

  /**
   * Marks a live, unexpired, unrotated token of a live session (within its
   * absolute lifetime) as rotated, records the session's use from the address,
   * and answers whose it is; null otherwise. The row lock it takes makes two
   * refreshes with one token take turns: the second finds it rotated.
   */
  async rotate(tx: Transaction, tokenHash: Buffer, ipAddress: string | null): Promise<RotatedToken | null> {
    const manager = entityManager(this.db, tx);
    const [rows] = await manager.query<[RotatedToken[], number]>(
      `UPDATE refresh_tokens rt SET rotated_at = now()
         FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE rt.token_hash = $1 AND rt.rotated_at IS NULL AND rt.expires_at > now()
          AND s.id = rt.session_id AND s.revoked_at IS NULL AND s.expires_at > now() AND u.deleted_at IS NULL
      RETURNING rt.session_id, s.user_id, u.referral_code`,
      [tokenHash],
    );
    const rotated = rows[0] ?? null;
    if (rotated) {
      await manager.query('UPDATE sessions SET last_used_at = now(), ip_address = $2 WHERE id = $1', [
        rotated.session_id,
        ipAddress,
      ]);
    }
    return rotated;
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

  /** The user's live sessions, the most recently used first. */
  listLive(userId: string): Promise<SessionRow[]> {
    return this.db.query<SessionRow[]>(
      `SELECT id, device, user_agent, ip_address, created_at, last_used_at, expires_at
         FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()
        ORDER BY last_used_at DESC, created_at DESC, id`,
      [userId],
    );
  }

  /** Ends one live session of the user; answers whether there was one. */
  async revokeOne(userId: string, sessionId: string): Promise<boolean> {
    const [, count] = await this.db.query<[unknown, number]>(
      `UPDATE sessions SET revoked_at = now()
        WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > now()`,
      [sessionId, userId],
    );
    return count > 0;
  }

  /** Ends every live session of the user but one, in the caller's transaction if any; answers how many. */
  async revokeOthers(tx: Transaction | undefined, userId: string, keepSessionId: string): Promise<number> {
    const [, count] = await entityManager(this.db, tx).query<[unknown, number]>(
      `UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL`,
      [userId, keepSessionId],
    );
    return count;
  }
}
