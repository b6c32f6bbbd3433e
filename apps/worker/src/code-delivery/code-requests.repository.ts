import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import {
  type Channel,
  type ReceiptState,
  Batched,
  runPrepared,
  type PreparedStatement,
  type SmsAttemptState,
} from '@app/platform';

/*
 * A delivery reads its request, marks it delivered (or erases the sealed code),
 * and the simulated gateway files the message: prepared, since bench (e) sends
 * 1,000 codes in a second through here. The reads and writes every delivery
 * makes go in batches (Batched): the deliveries in hand together cost one
 * statement each step, not one each.
 */
const FOR_DELIVERY: PreparedStatement = {
  name: 'delivery_read_v5',
  text: `SELECT id, phone_number, code_sealed, status, expires_at > now() AS live, delivered_at,
                for_user_id IS NOT NULL AS phone_change, locale, channel
           FROM code_requests WHERE id = ANY($1::uuid[])`,
};
const ERASE_SEALED_CODE: PreparedStatement = {
  name: 'delivery_drop_v1',
  text: 'UPDATE code_requests SET code_sealed = NULL WHERE id = $1 AND code_sealed IS NOT NULL',
};
/**
 * Answers, per request recorded now, the time from the request to now (the
 * gateway's acceptance), on PostgreSQL's clock. The sealed code is kept while
 * a second route may still need it: until a receipt says delivered, the second
 * message went, or the code expired. Rows are locked in id order, so two
 * workers' batches that share requests (a job run again elsewhere) wait for
 * each other instead of deadlocking.
 */
const MARK_DELIVERED: PreparedStatement = {
  name: 'delivery_done_v5',
  text: `WITH given AS (SELECT * FROM unnest($1::uuid[], $2::bool[]) AS g(id, keep_sealed)),
              locked AS (SELECT c.id FROM code_requests c JOIN given USING (id)
                          WHERE c.delivered_at IS NULL ORDER BY c.id FOR UPDATE OF c)
         UPDATE code_requests c
            SET delivered_at = now(), code_sealed = CASE WHEN given.keep_sealed THEN c.code_sealed END
           FROM given JOIN locked USING (id)
          WHERE c.id = given.id
         RETURNING c.id, EXTRACT(EPOCH FROM now() - c.created_at)::float8 AS seconds`,
};
const ATTEMPTS_OF: PreparedStatement = {
  name: 'delivery_attempts_v1',
  text: `SELECT code_request_id, transport, state, receipt_state FROM sms_attempts
          WHERE code_request_id = ANY($1::uuid[]) ORDER BY id`,
};
const FINISH_ATTEMPT: PreparedStatement = {
  name: 'delivery_attempt_done_v1',
  text: `UPDATE sms_attempts a SET state = f.state, provider_id = f.provider_id, error = f.error, finished_at = now()
           FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS f(id, state, provider_id, error)
          WHERE a.id = f.id`,
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

type Attempt = { transport: string; state: SmsAttemptState; receipt_state: ReceiptState | null };
type AttemptOutcome = { state: Exclude<SmsAttemptState, 'sending'>; providerId?: string | null; error?: string };

/** Every statement of code delivery, named by what it does. */
@Injectable()
export class CodeRequestsRepository {
  private readonly reads = new Batched<string, RequestForDelivery | null>(async (ids) => {
    const rows = await runPrepared<RequestForDelivery & { id: string }>(this.db, FOR_DELIVERY, [ids]);
    const byId = new Map(rows.map(({ id, ...request }) => [id, request]));
    return ids.map((id) => byId.get(id) ?? null);
  });

  private readonly deliveries = new Batched<{ id: string; keepSealed: boolean }, number | null>(async (calls) => {
    const rows = await runPrepared<{ id: string; seconds: number }>(this.db, MARK_DELIVERED, [
      calls.map(({ id }) => id),
      calls.map(({ keepSealed }) => keepSealed),
    ]);
    // Recorded once: a request named twice in one batch is the first call's, as if the second came after it.
    const recorded = new Map(rows.map(({ id, seconds }) => [id, seconds]));
    return calls.map(({ id }) => {
      const seconds = recorded.get(id);
      recorded.delete(id);
      return seconds ?? null;
    });
  });

  private readonly attempts = new Batched<string, Attempt[]>(async (ids) => {
    const rows = await runPrepared<Attempt & { code_request_id: string }>(this.db, ATTEMPTS_OF, [ids]);
    const byRequest = new Map<string, Attempt[]>();
    for (const { code_request_id: id, ...attempt } of rows) byRequest.set(id, [...(byRequest.get(id) ?? []), attempt]);
    return ids.map((id) => byRequest.get(id) ?? []);
  });

  private readonly finishes = new Batched<{ id: string; outcome: AttemptOutcome }, void>(async (calls) => {
    await runPrepared(this.db, FINISH_ATTEMPT, [
      calls.map(({ id }) => id),
      calls.map(({ outcome }) => outcome.state),
      calls.map(({ outcome }) => outcome.providerId ?? null),
      calls.map(({ outcome }) => outcome.error?.slice(0, 300) ?? null),
    ]);
    return calls.map(() => undefined);
  });

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  forDelivery(codeRequestId: string): Promise<RequestForDelivery | null> {
    return this.reads.call(codeRequestId);
  }

  async eraseSealedCode(codeRequestId: string): Promise<void> {
    await runPrepared(this.db, ERASE_SEALED_CODE, [codeRequestId]);
  }

  /** Records the delivery and answers the seconds since the request; null when another run of the job recorded it first. */
  markDelivered(codeRequestId: string, keepSealed = false): Promise<number | null> {
    return this.deliveries.call({ id: codeRequestId, keepSealed });
  }

  /** The simulated gateway's delivery: the message lands in the inbox if its code is still live. */
  async fileInInbox(codeRequestId: string, to: string, text: string): Promise<void> {
    await runPrepared(this.db, FILE_IN_INBOX, [codeRequestId, to, text]);
  }

  /** What happened on the request's earlier hand-overs, one row per attempt, oldest first. */
  attemptsOf(codeRequestId: string): Promise<Attempt[]> {
    return this.attempts.call(codeRequestId);
  }

  /** Records a hand-over before it starts: a worker that dies in the call leaves it `sending`, which counts as ambiguous. */
  async startAttempt(codeRequestId: string, transport: string, fallback = false): Promise<string> {
    const [row] = await this.db.query<Array<{ id: string }>>(
      `INSERT INTO sms_attempts (code_request_id, transport, state, fallback) VALUES ($1, $2, 'sending', $3) RETURNING id`,
      [codeRequestId, transport, fallback],
    );
    return String(row.id);
  }

  finishAttempt(attemptId: string, outcome: AttemptOutcome): Promise<void> {
    return this.finishes.call({ id: attemptId, outcome });
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
