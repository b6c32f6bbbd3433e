import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DomainError, ErrorCode } from '@app/domain';
import { AppConfig, UnitOfWork, type Transaction } from '@app/platform';
import { AccessTokens } from './access-tokens.js';
import type { AuthUser, TokenHolder } from './auth-user.js';
import { type SessionDevice, SessionsRepository, type SessionRow } from './sessions.repository.js';

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
    const caller = await this.sessions.liveCaller(holder.sessionId, holder.id);
    if (!caller) return null;
    const { phoneNumber, signedInAt } = caller;
    return { ...holder, phoneNumber, signedInAt, isAdmin: this.config.adminPhoneNumbers.has(phoneNumber) };
  }

  /**
   * Starts a session for a user who just proved their phone (or a test's
   * factory), on the device given; in the caller's transaction. It ends
   * SESSION_MAX_AGE_SECONDS from now, however it is used.
   */
  async startSession(tx: Transaction, userId: string, device: SessionDevice = UNKNOWN_DEVICE): Promise<IssuedTokens> {
    const sessionId = randomUUID();
    await this.sessions.insertSession(tx, {
      id: sessionId,
      userId,
      maxAgeSeconds: this.config.sessions.maxAgeSeconds,
      ...device,
    });
    const refreshToken = await this.newRefreshToken(tx, sessionId);
    return {
      accessToken: this.signAccessToken(userId, sessionId),
      expiresIn: this.config.jwt.accessTtlSeconds,
      refreshToken,
    };
  }

  async refresh(
    refreshToken: string,
    ipAddress: string | null,
  ): Promise<IssuedTokens & { userId: string; referralCode: string }> {
    const tokenHash = hashToken(refreshToken);
    const outcome = await this.uow.run(async (tx) => {
      const rotated = await this.sessions.rotate(tx, tokenHash, ipAddress);
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

  /** The person's live sessions, the most recently used first. */
  listSessions(userId: string): Promise<SessionRow[]> {
    return this.sessions.listLive(userId);
  }

  /** Ends one of the person's sessions (this one too: a sign-out); SESSION_NOT_FOUND when it is not a live one of theirs. */
  async endSession(userId: string, sessionId: string): Promise<void> {
    if (!(await this.sessions.revokeOne(userId, sessionId))) throw new DomainError(ErrorCode.SESSION_NOT_FOUND);
  }

  /** Ends every session of the person but this one; in the caller's transaction if given. Answers how many. */
  endOtherSessions(userId: string, keepSessionId: string, tx?: Transaction): Promise<number> {
    return this.sessions.revokeOthers(tx, userId, keepSessionId);
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

/** A session started without a request (an admin's or a test's): no device to name. */
const UNKNOWN_DEVICE: SessionDevice = { userAgent: null, device: 'Unknown device', ipAddress: null };

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
