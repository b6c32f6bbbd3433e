import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import {
  CodeRequestEntity,
  runPrepared,
  SmsAttemptEntity,
  type PreparedStatement,
  type SmsAttemptState,
} from '@app/platform';

/*
 * A delivery reads its request, marks it delivered (or erases the sealed code),
 * and the simulated gateway files the message: prepared, since bench (e) sends
 * 1,000 codes in a second through here.
 */
const FOR_DELIVERY: PreparedStatement = {
  name: 'delivery_read_v1',
  text: `SELECT phone_number, code_sealed, status, expires_at > now() AS live, delivered_at
           FROM code_requests WHERE id = $1`,
};
const ERASE_SEALED_CODE: PreparedStatement = {
  name: 'delivery_drop_v1',
  text: 'UPDATE code_requests SET code_sealed = NULL WHERE id = $1 AND code_sealed IS NOT NULL',
};
/** Answers the time from the request to now (the gateway's acceptance), on PostgreSQL's clock. */
const MARK_DELIVERED: PreparedStatement = {
  name: 'delivery_done_v3',
  text: `UPDATE code_requests SET delivered_at = now(), code_sealed = NULL WHERE id = $1 AND delivered_at IS NULL
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
  async markDelivered(codeRequestId: string): Promise<number | null> {
    const [row] = await runPrepared<{ seconds: number }>(this.db, MARK_DELIVERED, [codeRequestId]);
    return row ? row.seconds : null;
  }

  /** The simulated gateway's delivery: the message lands in the inbox if its code is still live. */
  async fileInInbox(codeRequestId: string, to: string, text: string): Promise<void> {
    await runPrepared(this.db, FILE_IN_INBOX, [codeRequestId, to, text]);
  }

  /** What happened on the request's earlier hand-overs, one row per attempt. */
  attemptsOf(codeRequestId: string): Promise<Array<Pick<SmsAttemptEntity, 'transport' | 'state'>>> {
    return this.db.manager.find(SmsAttemptEntity, {
      where: { codeRequestId },
      select: { transport: true, state: true },
    });
  }

  /** Records a hand-over before it starts: a worker that dies in the call leaves it `sending`, which counts as ambiguous. */
  async startAttempt(codeRequestId: string, transport: string): Promise<string> {
    const result = await this.db.manager.insert(SmsAttemptEntity, { codeRequestId, transport, state: 'sending' });
    return String((result.identifiers[0] as { id: string }).id);
  }

  async finishAttempt(
    attemptId: string,
    outcome: { state: Exclude<SmsAttemptState, 'sending'>; providerId?: string | null; error?: string },
  ): Promise<void> {
    await this.db.manager.update(
      SmsAttemptEntity,
      { id: attemptId },
      {
        state: outcome.state,
        providerId: outcome.providerId ?? null,
        error: outcome.error?.slice(0, 300) ?? null,
        finishedAt: () => 'now()',
      },
    );
  }

  /** Live requests with no delivery yet, older than the grace period, oldest first. */
  async undelivered(graceSeconds: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .createQueryBuilder(CodeRequestEntity, 'c')
      .select('c.id', 'id')
      .where("c.status = 'pending' AND c.delivered_at IS NULL AND c.expires_at > now()")
      .andWhere('c.created_at < now() - make_interval(secs => :graceSeconds)', { graceSeconds })
      .orderBy('c.created_at')
      .limit(limit)
      .getRawMany<{ id: string }>();
    return rows.map((row) => row.id);
  }
}
