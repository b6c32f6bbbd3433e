import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ReceiptState } from '@app/platform';
import type { Receipt } from './receipt-parsers.js';

export interface ReceiptTarget {
  attempt_id: string;
  code_request_id: string;
  phone_number: string;
  receipt_state: ReceiptState | null;
  /** The second route's attempt. */
  fallback: boolean;
}

/** Every statement of the delivery receipts. */
@Injectable()
export class ReceiptsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The attempt a gateway's message id belongs to; null for a message we did not send through it. */
  async attemptOf(transport: string, providerId: string): Promise<ReceiptTarget | null> {
    const [row] = await this.db.query<ReceiptTarget[]>(
      `SELECT a.id::text AS attempt_id, a.code_request_id, c.phone_number, a.receipt_state, a.fallback
         FROM sms_attempts a JOIN code_requests c ON c.id = a.code_request_id
        WHERE a.transport = $1 AND a.provider_id = $2
        ORDER BY a.id DESC LIMIT 1`,
      [transport, providerId],
    );
    return row ?? null;
  }

  /**
   * Keeps the receipt, and moves the attempt to its state when `advance`
   * (never past the first final state, whatever order receipts arrive in).
   * Answers the seconds from the gateway's acceptance to now when the attempt
   * moved, null when it did not.
   */
  async record(attemptId: string, receipt: Receipt, advance: boolean): Promise<number | null> {
    // An UPDATE answers its rows and their count.
    const [[row]] = await this.db.query<[Array<{ seconds: number }>, number]>(
      `WITH kept AS (
         INSERT INTO sms_receipts (attempt_id, state, error_code, reported_at)
         VALUES ($1::bigint, $2::varchar, $3::varchar, $4::timestamptz)
       )
       UPDATE sms_attempts SET receipt_state = $2::varchar, receipt_error = $3::varchar, receipt_at = now()
        WHERE id = $1::bigint AND $5::boolean
          AND (receipt_state IS NULL OR receipt_state NOT IN ('delivered', 'undelivered', 'failed', 'expired'))
       RETURNING EXTRACT(EPOCH FROM now() - coalesce(finished_at, started_at))::float8 AS seconds`,
      [attemptId, receipt.state, receipt.errorCode?.slice(0, 32) ?? null, receipt.reportedAt, advance],
    );
    return row ? row.seconds : null;
  }

  /** The code reached the phone, or has had both its messages: its sealed copy is no longer needed. */
  async eraseSealedCode(codeRequestId: string): Promise<void> {
    await this.db.query('UPDATE code_requests SET code_sealed = NULL WHERE id = $1 AND code_sealed IS NOT NULL', [
      codeRequestId,
    ]);
  }

  /** Claims the code's second route: true once per code, while it is live and its sealed copy is kept. */
  async claimFallback(codeRequestId: string): Promise<boolean> {
    const [rows] = await this.db.query<[unknown[], number]>(
      `UPDATE code_requests SET fallback_at = now()
        WHERE id = $1 AND fallback_at IS NULL AND status = 'pending' AND expires_at > now() AND code_sealed IS NOT NULL
       RETURNING id`,
      [codeRequestId],
    );
    return rows.length > 0;
  }
}
