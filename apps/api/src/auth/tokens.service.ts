import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DomainError, ErrorCode } from '@app/domain';
import { AppConfig, UnitOfWork, type Transaction } from '@app/platform';
import { AccessTokens } from './access-tokens.js';
import type { AuthUser, TokenHolder } from './auth-user.js';
import { SessionsRepository } from './sessions.repository.js';

export interface IssuedTokens {
  accessToken: string;
  /** Seconds the access token is valid for. */
  expiresIn: number;
  refreshToken: string;
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
    private readonly sessions: SessionsRepository,
    private readonly uow: UnitOfWork,
    private readonly accessTokens: AccessTokens,
    private readonly config: AppConfig,
  ) {}

  /** Whether a verified token's session is still live and its user still there; who is calling if so. */
  async authenticate(holder: TokenHolder): Promise<AuthUser | null> {
    const phoneNumber = await this.sessions.liveCallerPhone(holder.sessionId, holder.id);
    if (!phoneNumber) return null;
    return { ...holder, phoneNumber, isAdmin: this.config.adminPhoneNumbers.has(phoneNumber) };
  }

  /** Starts a session for a user who just proved their phone (or a test's factory); in the caller's transaction. */
  async startSession(tx: Transaction, userId: string): Promise<IssuedTokens> {
    const sessionId = randomUUID();
    await this.sessions.insertSession(tx, { id: sessionId, userId });
    const refreshToken = await this.newRefreshToken(tx, sessionId);
    return {
      accessToken: this.signAccessToken(userId, sessionId),
      expiresIn: this.config.jwt.accessTtlSeconds,
      refreshToken,
    };
  }

  async refresh(refreshToken: string): Promise<IssuedTokens & { userId: string; referralCode: string }> {
    const tokenHash = hashToken(refreshToken);
    const outcome = await this.uow.run(async (tx) => {
      const rotated = await this.sessions.rotate(tx, tokenHash);
      if (rotated) return { rotated, next: await this.newRefreshToken(tx, rotated.session_id) };
      const revoked = await this.sessions.revokeForRotatedToken(tx, tokenHash);
      if (revoked) this.logger.warn({ session_id: revoked }, 'refresh token reused: session revoked');
      return null;
    });
    if (!outcome) throw new DomainError(ErrorCode.INVALID_REFRESH_TOKEN);
    const { rotated, next } = outcome;
    return {
      accessToken: this.signAccessToken(rotated.user_id, rotated.session_id),
      expiresIn: this.config.jwt.accessTtlSeconds,
      refreshToken: next,
      userId: rotated.user_id,
      referralCode: rotated.referral_code,
    };
  }

  /** Ends the session the token belongs to. Unknown tokens are ignored: logging out twice is fine. */
  logout(refreshToken: string): Promise<void> {
    return this.sessions.revokeForToken(hashToken(refreshToken));
  }

  /** Ends every session of a user (who is being deleted), in the caller's transaction. */
  endAllSessions(tx: Transaction, userId: string): Promise<void> {
    return this.sessions.revokeAllOf(tx, userId);
  }

  private signAccessToken(userId: string, sessionId: string): string {
    return this.accessTokens.sign(userId, sessionId);
  }

  private async newRefreshToken(tx: Transaction, sessionId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.sessions.insertRefreshToken(tx, {
      id: randomUUID(),
      sessionId,
      tokenHash: hashToken(token),
      ttlSeconds: this.config.jwt.refreshTtlSeconds,
    });
    return token;
  }
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
