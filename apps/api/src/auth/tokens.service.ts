import { Injectable, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { AppConfig, DomainError, ErrorCode, sqlRow } from '@app/domain';
import type { AccessTokenClaims } from './auth-user.js';

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
}

interface RotatedRow {
  session_id: string;
  user_id: string;
  referral_code: string;
}

/**
 * Sessions, access tokens and refresh tokens. A refresh token is 256 random bits,
 * kept as its SHA-256; refreshing rotates it, and presenting a rotated token
 * again (a stolen copy, or the original after theft) revokes the whole session.
 */
@Injectable()
export class TokensService {
  private readonly logger = new Logger(TokensService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  /** Starts a session for a user who just proved their phone; runs in the caller's transaction. */
  async startSession(manager: EntityManager, userId: string): Promise<IssuedTokens> {
    const sessionId = randomUUID();
    await manager.query('INSERT INTO sessions (id, user_id) VALUES ($1, $2)', [sessionId, userId]);
    const refreshToken = await this.insertRefreshToken(manager, sessionId);
    return { accessToken: this.signAccessToken(userId, sessionId), refreshToken };
  }

  async refresh(refreshToken: string): Promise<IssuedTokens & { userId: string; referralCode: string }> {
    const tokenHash = hashToken(refreshToken);
    const outcome = await this.db.transaction(async (manager) => {
      // The row lock taken here makes two refreshes with one token take turns:
      // the second sees it rotated and is treated as reuse.
      const rotated = await sqlRow<RotatedRow>(
        manager,
        `UPDATE refresh_tokens rt SET rotated_at = now()
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE rt.token_hash = $1 AND rt.rotated_at IS NULL AND rt.expires_at > now()
            AND s.id = rt.session_id AND s.revoked_at IS NULL AND u.deleted_at IS NULL
        RETURNING rt.session_id, s.user_id, u.referral_code`,
        [tokenHash],
      );
      if (rotated) {
        const next = await this.insertRefreshToken(manager, rotated.session_id);
        return { rotated, next };
      }
      const reused = await sqlRow<{ session_id: string }>(
        manager,
        `UPDATE sessions SET revoked_at = now()
          WHERE revoked_at IS NULL
            AND id = (SELECT session_id FROM refresh_tokens WHERE token_hash = $1 AND rotated_at IS NOT NULL)
        RETURNING id AS session_id`,
        [tokenHash],
      );
      if (reused) this.logger.warn({ session_id: reused.session_id }, 'refresh token reused: session revoked');
      return null;
    });
    if (!outcome) throw new DomainError(ErrorCode.INVALID_REFRESH_TOKEN);
    const { rotated, next } = outcome;
    return {
      accessToken: this.signAccessToken(rotated.user_id, rotated.session_id),
      refreshToken: next,
      userId: rotated.user_id,
      referralCode: rotated.referral_code,
    };
  }

  /** Ends the session the token belongs to. Unknown tokens are ignored: logging out twice is fine. */
  async logout(refreshToken: string): Promise<void> {
    await this.db.query(
      `UPDATE sessions SET revoked_at = now()
        WHERE revoked_at IS NULL AND id = (SELECT session_id FROM refresh_tokens WHERE token_hash = $1)`,
      [hashToken(refreshToken)],
    );
  }

  private signAccessToken(userId: string, sessionId: string): string {
    const claims: AccessTokenClaims = { sub: userId, sid: sessionId };
    return this.jwt.sign(claims);
  }

  private async insertRefreshToken(manager: EntityManager, sessionId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await manager.query(
      `INSERT INTO refresh_tokens (id, session_id, token_hash, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [randomUUID(), sessionId, hashToken(token), this.config.jwt.refreshTtlSeconds],
    );
    return token;
  }
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
