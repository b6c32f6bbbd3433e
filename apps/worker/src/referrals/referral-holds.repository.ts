import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ReferralPolicy } from '@app/platform';

/** The statement behind the hold sweep. */
@Injectable()
export class ReferralHoldsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Up to `limit` referrals whose hold has passed become final, with their
   * rewards, in one transaction (referral_finalize_due skips rows another
   * worker or a host's call holds). Answers how many, and the events' types.
   */
  async finalizeDue(limit: number, policy: ReferralPolicy): Promise<{ finalized: number; eventTypes: string[] }> {
    const [row] = await this.db.query<Array<{ finalized: number; event_types: string[] }>>(
      `SELECT finalized, event_types FROM referral_finalize_due($1, $2::jsonb)`,
      [limit, JSON.stringify(policy)],
    );
    return { finalized: row.finalized, eventTypes: row.event_types };
  }
}
