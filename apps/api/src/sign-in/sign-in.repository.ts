import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { type Channel, entityManager, runPrepared, type PreparedStatement, type Transaction } from '@app/platform';

/**
 * The sign-in policy is two PostgreSQL functions, both in the sign-in-policy migration: read it there.
 * Exported for the bench's signup ceiling, which runs the same statement.
 */
export const REQUEST_CODE: PreparedStatement = {
  name: 'request_code_v3',
  text: 'SELECT outcome, retry_after FROM request_code($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)',
};

/** The rolling ceiling of wrong codes per number (SPEC section 11), which requests and checks both honour. */
export interface FailureWindow {
  failuresPerWindow: number;
  windowSeconds: number;
}

export interface CodeRequestLimits extends FailureWindow {
  ttlSeconds: number;
  resendSeconds: number;
  perHour: number;
  /** Fixed-code test numbers: no cooldown, no hourly cap. */
  exempt: boolean;
}

export interface VerificationLimits extends FailureWindow {
  maxAttemptsPerCode: number;
  lockAfterFailures: number;
  lockSteps: number[];
}

export type CodeRequestOutcome = {
  outcome: 'created' | 'locked' | 'cooldown' | 'hourly' | 'username_taken';
  retry_after: number;
};
export type VerificationOutcome = {
  outcome: 'signed_in' | 'invalid' | 'locked';
  retry_after: number;
  requested_username: string | null;
};

/** Every statement of phone sign-in: code requests and the per-phone counters. */
@Injectable()
export class SignInRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The language the signup asked the message in (only when it named one: one statement more, then). */
  /** What the sign-up asked of the message: its language, its channel. */
  async setPreferences(codeRequestId: string, locale: string | null, channel: Channel | null): Promise<void> {
    await this.db.query('UPDATE code_requests SET locale = $2, channel = $3 WHERE id = $1', [
      codeRequestId,
      locale,
      channel,
    ]);
  }

  /**
   * Applies the request rules and, when they allow it, replaces the phone's code
   * with the new one: one prepared round trip, bench (d), signups.
   */
  async requestCode(
    request: {
      id: string;
      phoneNumber: string;
      codeHash: Buffer;
      codeSealed: Buffer;
      username: string | null;
      usernameTaken: boolean;
      /** The user a phone-change code is for; absent for a sign-in code. */
      forUserId?: string;
    },
    limits: CodeRequestLimits,
  ): Promise<CodeRequestOutcome> {
    const [result] = await runPrepared<CodeRequestOutcome>(this.db, REQUEST_CODE, [
      request.id,
      request.phoneNumber,
      request.codeHash,
      request.codeSealed,
      request.username,
      limits.ttlSeconds,
      limits.resendSeconds,
      limits.perHour,
      limits.exempt,
      request.usernameTaken,
      limits.failuresPerWindow,
      limits.windowSeconds,
      request.forUserId ?? null,
    ]);
    return result;
  }

  /** The phone's newest code, whatever its state (a refused request is none): what a submitted code is checked against. */
  async newestCode(phoneNumber: string): Promise<{ id: string; codeHash: Buffer } | null> {
    const rows = await this.db.query<Array<{ id: string; code_hash: Buffer }>>(
      `SELECT id, code_hash FROM code_requests WHERE phone_number = $1 AND status <> 'refused'
        ORDER BY created_at DESC LIMIT 1`,
      [phoneNumber],
    );
    return rows[0] ? { id: rows[0].id, codeHash: rows[0].code_hash } : null;
  }

  /** Applies the verification rules to the crypto's verdict, under the phone's lock, in the caller's transaction. */
  async verify(
    tx: Transaction,
    attempt: { phoneNumber: string; requestId: string | null; matches: boolean; forUserId?: string },
    limits: VerificationLimits,
  ): Promise<VerificationOutcome> {
    const [result] = await entityManager(this.db, tx).query<VerificationOutcome[]>(
      'SELECT outcome, retry_after, requested_username FROM verify_code($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      [
        attempt.phoneNumber,
        attempt.requestId,
        attempt.matches,
        limits.maxAttemptsPerCode,
        limits.lockAfterFailures,
        limits.lockSteps,
        limits.failuresPerWindow,
        limits.windowSeconds,
        attempt.forUserId ?? null,
      ],
    );
    return result;
  }
}
