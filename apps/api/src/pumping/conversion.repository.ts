import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** The numbers of a range that were sent a code in a window, and those that verified one. */
export interface RangeConversion {
  sent: number;
  verified: number;
}

/** The first E.164 number after every number that starts with `range` ("+79169" → "+7917"); null after "+999…". */
export function rangeEnd(range: string): string | null {
  const digits = range.slice(1).replace(/9+$/, '');
  if (digits.length === 0) return null;
  return `+${digits.slice(0, -1)}${Number(digits.slice(-1)) + 1}`;
}

/** Conversion by number range, read from the code requests themselves (their phone and time index). */
@Injectable()
export class ConversionRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Counts numbers, not codes: a person who asked twice and verified once
   * converted. Codes younger than `settleSeconds` are left out (not yet typed),
   * as are requests that sent nothing. The bounds are plain digits after "+",
   * which sort alike in every collation, so the phone index serves the range.
   */
  async conversionOf(range: string, windowSeconds: number, settleSeconds: number): Promise<RangeConversion> {
    const [row] = await this.db.query<RangeConversion[]>(
      `SELECT count(DISTINCT phone_number)::int AS sent,
              count(DISTINCT phone_number) FILTER (WHERE status = 'used')::int AS verified
         FROM code_requests
        WHERE phone_number >= $1 AND ($2::varchar IS NULL OR phone_number < $2)
          AND created_at > now() - make_interval(secs => $3)
          AND created_at <= now() - make_interval(secs => $4)
          AND status <> 'refused'`,
      [range, rangeEnd(range), windowSeconds, settleSeconds],
    );
    return row;
  }
}
