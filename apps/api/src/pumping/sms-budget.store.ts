/** A budget's room was taken, or not: which budget refused, and when it has room again. */
export type Reservation = { granted: true } | { granted: false; key: string; retryAfterMs: number };

export interface BudgetClaim {
  key: string;
  limit: number;
}

/**
 * The rolling-window budgets, shared by every API process: Redis when there is
 * one, PostgreSQL otherwise. A reservation counts against every budget it names
 * or against none.
 */
export abstract class SmsBudgetStore {
  /** Counts `requestId` against each budget if every one of them has room in the window behind now. */
  abstract reserve(requestId: string, claims: BudgetClaim[], windowMs: number): Promise<Reservation>;

  /** Takes a reservation back (the code was not sent after all). */
  abstract release(requestId: string, keys: string[]): Promise<void>;

  /** True the first time a budget trips in a window, in the whole deployment. */
  abstract firstTrip(key: string, windowMs: number): Promise<boolean>;
}
