export interface WindowHit {
  /** Hits in the current window, this one included. */
  hits: number;
  /** Milliseconds until the window closes. */
  msLeft: number;
}

/** Fixed-window counters shared by every API process. */
export abstract class RateLimitStore {
  abstract hit(key: string, windowMs: number): Promise<WindowHit>;
}
