import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import {
  type Channel,
  type ReceiptState,
  runPrepared,
  type PreparedStatement,
  type SmsAttemptState,
} from '@app/platform';

/*
 * A delivery reads its request, marks it delivered (or erases the sealed code),
 * and the simulated gateway files the message: prepared, since bench (e) sends
 * 1,000 codes in a second through here.
 */
const FOR_DELIVERY: PreparedStatement = {
  name: 'delivery_read_v4',
  text: `SELECT phone_number, code_sealed, status, expires_at > now() AS live, delivered_at,
                for_user_id IS NOT NULL AS phone_change, locale, channel
           FROM code_requests WHERE id = $1`,
};
const ERASE_SEALED_CODE: PreparedStatement = {
  name: 'delivery_drop_v1',
  text: 'UPDATE code_requests SET code_sealed = NULL WHERE id = $1 AND code_sealed IS NOT NULL',
};
/**
 * Answers the time from the request to now (the gateway's acceptance), on
 * PostgreSQL's clock. The sealed code is kept ($2) while a second route may
 * still need it: until a receipt says delivered, the second message went, or
 * the code expired.
 */
const MARK_DELIVERED: PreparedStatement = {
  name: 'delivery_done_v4',
  text: `UPDATE code_requests SET delivered_at = now(), code_sealed = CASE WHEN $2 THEN code_sealed END
          WHERE id = $1 AND delivered_at IS NULL
         RETURNING EXTRACT(EPOCH FROM now() - created_at)::float8 AS seconds`,
};
/** Only while the code is still the phone's live one, and once per request (a unique index). */
const FILE_IN_INBOX: PreparedStatement = {
  name: 'inbox_deliver_v1',
  text: `INSERT INTO sms_messages (code_request_id, to_phone, text)
         SELECT id, $2, $3 FROM code_requests WHERE id = $1 AND status = 'pending' AND expires_at > now()
         ON CONFLICT (code_request_id) DO NOTHING`,
};

export interface RequestForDelivery {
  phone_number: string;
  code_sealed: Buffer | null;
  status: string;
  live: boolean;
  delivered_at: Date | null;
  /** A code that moves an account to the number (its own message), not a sign-in code. */
  phone_change: boolean;
  /** The locale the signup asked for; null: the number's country decides. */
  locale: string | null;
  /** The channel the signup preferred; null: the deployment's order. */
  channel: Channel | null;
}

/** Every statement of code delivery, named by what it does. */
@Injectable()
export class CodeRequestsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async forDelivery(codeRequestId: string): Promise<RequestForDelivery | null> {
    const [request] = await runPrepared<RequestForDelivery>(this.db, FOR_DELIVERY, [codeRequestId]);
    return request ?? null;
  }

  async eraseSealedCode(codeRequestId: string): Promise<void> {
    await runPrepared(this.db, ERASE_SEALED_CODE, [codeRequestId]);
  }

  /** Records the delivery and answers the seconds since the request; null when another run of the job recorded it first. */
  async markDelivered(codeRequestId: string, keepSealed = false): Promise<number | null> {
    const [row] = await runPrepared<{ seconds: number }>(this.db, MARK_DELIVERED, [codeRequestId, keepSealed]);
    return row ? row.seconds : null;
  }

  /** The simulated gateway's delivery: the message lands in the inbox if its code is still live. */
  async fileInInbox(codeRequestId: string, to: string, text: string): Promise<void> {
    await runPrepared(this.db, FILE_IN_INBOX, [codeRequestId, to, text]);
  }

  /** What happened on the request's earlier hand-overs, one row per attempt. */
  attemptsOf(
    codeRequestId: string,
  ): Promise<Array<{ transport: string; state: SmsAttemptState; receipt_state: ReceiptState | null }>> {
    return this.db.query('SELECT transport, state, receipt_state FROM sms_attempts WHERE code_request_id = $1', [
      codeRequestId,
    ]);
  }

  /** Records a hand-over before it starts: a worker that dies in the call leaves it `sending`, which counts as ambiguous. */
  async startAttempt(codeRequestId: string, transport: string, fallback = false): Promise<string> {
    const [row] = await this.db.query<Array<{ id: string }>>(
      `INSERT INTO sms_attempts (code_request_id, transport, state, fallback) VALUES ($1, $2, 'sending', $3) RETURNING id`,
      [codeRequestId, transport, fallback],
    );
    return String(row.id);
  }

  async finishAttempt(
    attemptId: string,
    outcome: { state: Exclude<SmsAttemptState, 'sending'>; providerId?: string | null; error?: string },
  ): Promise<void> {
    await this.db.query(
      'UPDATE sms_attempts SET state = $2, provider_id = $3, error = $4, finished_at = now() WHERE id = $1',
      [attemptId, outcome.state, outcome.providerId ?? null, outcome.error?.slice(0, 300) ?? null],
    );
  }

  /**
   * Claims the second route of live codes a gateway took more than `seconds`
   * ago with no final receipt since: once per code (fallback_at), whoever
   * claims first. Answers their ids.
   */
  async claimSilent(seconds: number, limit: number): Promise<string[]> {
    // An UPDATE answers its rows and their count.
    const [rows] = await this.db.query<[Array<{ id: string }>, number]>(
      `UPDATE code_requests SET fallback_at = now()
        WHERE id IN (
          SELECT c.id FROM code_requests c
           WHERE c.status = 'pending' AND c.fallback_at IS NULL AND c.code_sealed IS NOT NULL
             AND c.delivered_at IS NOT NULL AND c.delivered_at < now() - make_interval(secs => $1)
             AND c.expires_at > now()
             AND NOT EXISTS (SELECT 1 FROM sms_attempts a WHERE a.code_request_id = c.id
                              AND a.receipt_state IN ('delivered', 'undelivered', 'failed', 'expired'))
           ORDER BY c.delivered_at LIMIT $2 FOR UPDATE SKIP LOCKED)
          AND fallback_at IS NULL
       RETURNING id`,
      [seconds, limit],
    );
    return rows.map((row) => row.id);
  }

  /** Codes whose second route was claimed a while ago and never tried (its job was lost): to queue again. */
  async fallbacksToRequeue(limit: number): Promise<string[]> {
    const rows = await this.db.query<Array<{ id: string }>>(
      `SELECT c.id FROM code_requests c
        WHERE c.status = 'pending' AND c.fallback_at < now() - interval '10 seconds' AND c.code_sealed IS NOT NULL
          AND c.expires_at > now()
          AND NOT EXISTS (SELECT 1 FROM sms_attempts a WHERE a.code_request_id = c.id AND a.fallback)
        LIMIT $1`,
      [limit],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Claims Telegram messages whose code can no longer be used (burned by wrong
   * guesses, or replaced by a newer code) and which Telegram has not reported
   * delivered: at most an hour old, Telegram's longest ttl. Claimed once
   * (revoked_at), whichever worker comes first; `unrevoke` gives a claim back
   * when the call did not get through.
   */
  async claimRevocable(limit: number): Promise<Array<{ id: string; provider_id: string }>> {
    const [rows] = await this.db.query<[Array<{ id: string; provider_id: string }>, number]>(
      `UPDATE sms_attempts SET revoked_at = now()
        WHERE id IN (
          SELECT a.id FROM sms_attempts a JOIN code_requests c ON c.id = a.code_request_id
           WHERE a.transport = 'telegram' AND a.provider_id IS NOT NULL AND a.revoked_at IS NULL
             AND a.started_at > now() - interval '1 hour'
             AND a.receipt_state IS DISTINCT FROM 'delivered' AND c.status IN ('burned', 'replaced')
           LIMIT $1 FOR UPDATE OF a SKIP LOCKED)
          AND revoked_at IS NULL
       RETURNING id, provider_id`,
      [limit],
    );
    return rows.map((row) => ({ id: String(row.id), provider_id: row.provider_id }));
  }

  async unrevoke(attemptId: string): Promise<void> {
    await this.db.query('UPDATE sms_attempts SET revoked_at = NULL WHERE id = $1', [attemptId]);
  }

  /** Live requests with no delivery yet, older than the grace period, oldest first. */
  async undelivered(graceSeconds: number, limit: number): Promise<string[]> {
    const rows = await this.db.query<Array<{ id: string }>>(
      `SELECT id FROM code_requests
        WHERE status = 'pending' AND delivered_at IS NULL AND expires_at > now()
          AND created_at < now() - make_interval(secs => $1)
        ORDER BY created_at LIMIT $2`,
      [graceSeconds, limit],
    );
    return rows.map((row) => row.id);
  }
}
