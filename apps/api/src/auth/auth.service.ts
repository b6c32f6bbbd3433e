import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import {
  AppConfig,
  DomainError,
  ErrorCode,
  deriveOtpKeys,
  generateOtp,
  hashOtp,
  normalizePhoneNumber,
  otpMatches,
  preparedRows,
  sealOtp,
  sqlRow,
  type OtpKeys,
  type PreparedStatement,
} from '@app/domain';
import { UsersService } from '../users/users.service.js';
import { CodeDeliveryQueue } from '../queue/code-delivery.queue.js';
import type { CodeRequestedDto } from './dto/code-requested.dto.js';
import type { TokenResponseDto } from './dto/token-response.dto.js';
import { TokensService, type IssuedTokens } from './tokens.service.js';

/** One round trip for a code request: see the request_code migration. */
const REQUEST_CODE: PreparedStatement = {
  name: 'request_code_v1',
  text: 'SELECT outcome, retry_after FROM request_code($1, $2, $3, $4, $5, $6, $7, $8, $9)',
};

interface LockRow {
  failures_in_row: number;
  locked_for: number | null;
}

interface LatestCodeRow {
  id: string;
  code_hash: Buffer;
  status: string;
  failed_attempts: number;
  live: boolean;
  requested_username: string | null;
}

type Verdict = { ok: true; tokens: TokenResponseDto } | { ok: false; error: DomainError };

/** Stands in for a missing code so that an unknown phone costs the same HMAC as a known one. */
const DUMMY_HASH = Buffer.alloc(32);

@Injectable()
export class AuthService {
  private readonly keys: OtpKeys;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly tokens: TokensService,
    private readonly deliveries: CodeDeliveryQueue,
  ) {
    this.keys = deriveOtpKeys(config.jwt.secret);
  }

  /**
   * Creates a code for the phone and queues its delivery. Answers the same for
   * known and unknown numbers. The per-phone limits are checked under a lock on
   * the phone, so concurrent requests cannot slip past them.
   */
  async requestCode(rawPhone: string, username: string | undefined): Promise<CodeRequestedDto> {
    const phoneNumber = normalizePhoneNumber(rawPhone, this.config.defaultPhoneRegion);
    // Checked against every live user whoever asks, so the answer says nothing about the phone.
    if (username && (await this.users.isUsernameTaken(username))) throw new DomainError(ErrorCode.USERNAME_TAKEN);

    const { ttlSeconds, resendSeconds, perHour } = this.config.otp;
    const id = randomUUID();
    const fixedCode = this.config.otp.testNumbers.get(phoneNumber);
    const code = fixedCode ?? generateOtp();

    // One round trip: the per-phone rules run under a lock on the phone in PostgreSQL
    // (see the request_code migration), so concurrent requests cannot slip past them.
    const [result] = await preparedRows<{ outcome: 'created' | 'locked' | 'cooldown' | 'hourly'; retry_after: number }>(
      this.db,
      REQUEST_CODE,
      [
        id,
        phoneNumber,
        hashOtp(this.keys.hashKey, id, phoneNumber, code),
        sealOtp(this.keys.sealKey, id, code),
        username ?? null,
        ttlSeconds,
        resendSeconds,
        perHour,
        // Fixed-code test numbers serve monitoring that signs in every minute: no
        // cooldown or hourly cap for them (the per-IP limits and the lockout still hold).
        fixedCode !== undefined,
      ],
    );
    switch (result.outcome) {
      case 'created':
        break;
      case 'locked':
        throw tooManyAttempts(result.retry_after);
      case 'cooldown':
        throw new DomainError(
          ErrorCode.RATE_LIMITED,
          'A code was sent to this number moments ago. Wait before asking again.',
          {
            retryAfterSeconds: result.retry_after,
          },
        );
      case 'hourly':
        throw new DomainError(
          ErrorCode.RATE_LIMITED,
          `At most ${perHour} codes per number per hour. Try again later.`,
          {
            retryAfterSeconds: result.retry_after,
          },
        );
    }

    await this.deliveries.enqueue(id);
    return { phone_number: phoneNumber, expires_in: ttlSeconds, resend_in: resendSeconds };
  }

  /**
   * Checks phone and code together. Every failure answers the same INVALID_CODE;
   * the counters behind the limits are committed before the answer is sent.
   */
  async verifyCode(rawPhone: string, code: string): Promise<TokenResponseDto> {
    const phoneNumber = normalizePhoneNumber(rawPhone, this.config.defaultPhoneRegion);
    const verdict = await this.db.transaction(async (manager): Promise<Verdict> => {
      // Checks of one phone take turns: a code is used at most once, and counters are exact.
      await lockPhone(manager, phoneNumber);

      const lock = await this.readLock(manager, phoneNumber);
      if (lock?.locked_for) return { ok: false, error: tooManyAttempts(lock.locked_for) };

      const latest = await sqlRow<LatestCodeRow>(
        manager,
        `SELECT id, code_hash, status, failed_attempts, expires_at > now() AS live, requested_username
           FROM code_requests WHERE phone_number = $1 ORDER BY created_at DESC LIMIT 1`,
        [phoneNumber],
      );
      const matches = otpMatches(
        this.keys.hashKey,
        latest?.code_hash ?? DUMMY_HASH,
        latest?.id ?? '',
        phoneNumber,
        code,
      );

      if (latest && matches && latest.status === 'pending' && latest.live) {
        await manager.query(`UPDATE code_requests SET status = 'used', code_sealed = NULL WHERE id = $1`, [latest.id]);
        await manager.query('DELETE FROM sign_in_attempts WHERE phone_number = $1', [phoneNumber]);
        const user = await this.users.findOrCreateByPhone(manager, phoneNumber, latest.requested_username);
        const issued = await this.tokens.startSession(manager, user.id);
        return { ok: true, tokens: this.tokenResponse(issued, user.referralCode, user.created) };
      }

      // A second submission of a code that was just used (a double tap, a retried
      // request) is refused like any other, but is not counted as a guess.
      if (latest && matches && latest.status === 'used') return { ok: false, error: invalidCode() };

      if (latest?.status === 'pending' && latest.live) {
        await manager.query(
          `UPDATE code_requests
              SET failed_attempts = failed_attempts + 1,
                  status = CASE WHEN failed_attempts + 1 >= $2 THEN 'burned' ELSE status END,
                  code_sealed = CASE WHEN failed_attempts + 1 >= $2 THEN NULL ELSE code_sealed END
            WHERE id = $1`,
          [latest.id, this.config.otp.maxAttemptsPerCode],
        );
      }
      const failures = await this.countFailure(manager, phoneNumber);
      if (failures >= this.config.otp.lockAfterFailures) {
        await manager.query(
          `UPDATE sign_in_attempts SET failures_in_row = 0, locked_until = now() + make_interval(secs => $2)
            WHERE phone_number = $1`,
          [phoneNumber, this.config.otp.lockSeconds],
        );
        return { ok: false, error: tooManyAttempts(this.config.otp.lockSeconds) };
      }
      return { ok: false, error: invalidCode() };
    });
    if (!verdict.ok) throw verdict.error;
    return verdict.tokens;
  }

  async refresh(refreshToken: string): Promise<TokenResponseDto> {
    const issued = await this.tokens.refresh(refreshToken);
    return this.tokenResponse(issued, issued.referralCode, false);
  }

  logout(refreshToken: string): Promise<void> {
    return this.tokens.logout(refreshToken);
  }

  private tokenResponse(issued: IssuedTokens, referralCode: string, isNewUser: boolean): TokenResponseDto {
    return {
      token: issued.accessToken,
      token_type: 'Bearer',
      expires_in: this.config.jwt.accessTtlSeconds,
      refresh_token: issued.refreshToken,
      referral_code: referralCode,
      is_new_user: isNewUser,
    };
  }

  private readLock(manager: EntityManager, phoneNumber: string): Promise<LockRow | null> {
    return sqlRow<LockRow>(
      manager,
      `SELECT failures_in_row,
              CASE WHEN locked_until > now() THEN ceil(extract(epoch FROM locked_until - now()))::int END AS locked_for
         FROM sign_in_attempts WHERE phone_number = $1`,
      [phoneNumber],
    );
  }

  /** Adds a wrong try to the phone's run; a lock that has run out starts a fresh run. */
  private async countFailure(manager: EntityManager, phoneNumber: string): Promise<number> {
    const row = await sqlRow<{ failures_in_row: number }>(
      manager,
      `INSERT INTO sign_in_attempts (phone_number, failures_in_row, updated_at) VALUES ($1, 1, now())
       ON CONFLICT (phone_number) DO UPDATE
         SET failures_in_row = CASE WHEN sign_in_attempts.locked_until IS NOT NULL THEN 1
                                    ELSE sign_in_attempts.failures_in_row + 1 END,
             locked_until = NULL,
             updated_at = now()
       RETURNING failures_in_row`,
      [phoneNumber],
    );
    return row?.failures_in_row ?? 1;
  }
}

/** Serialises everything that reads or writes one phone's codes and counters. */
async function lockPhone(manager: EntityManager, phoneNumber: string): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))', [phoneNumber]);
}

function invalidCode(): DomainError {
  return new DomainError(ErrorCode.INVALID_CODE);
}

function tooManyAttempts(retryAfterSeconds: number): DomainError {
  return new DomainError(ErrorCode.TOO_MANY_ATTEMPTS, undefined, { retryAfterSeconds: Math.max(1, retryAfterSeconds) });
}
