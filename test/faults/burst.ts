import { setTimeout as sleep } from 'node:timers/promises';
import { postJson } from '../support/processes.js';

export interface Sent {
  phone: string;
  at: number;
  status: number;
  error?: string;
  ms: number;
}

/**
 * Sends signups for fresh numbers at a steady rate for `durationMs`, whatever
 * happens around it, and records each answer. A request that got no answer
 * within 15 s records status 0.
 */
export async function steadyBurst(
  api: string,
  { perSecond, durationMs, phone }: { perSecond: number; durationMs: number; phone: () => string },
): Promise<Sent[]> {
  const started = Date.now();
  const pending: Array<Promise<Sent>> = [];
  for (let i = 0; Date.now() - started < durationMs; i++) {
    const number = phone();
    const at = Date.now();
    pending.push(
      postJson(`${api}/api/v1/auth/signup/`, { phone_number: number }).then(
        (answer) => ({
          phone: number,
          at,
          status: answer.status,
          error: answer.body.error as string | undefined,
          ms: answer.ms,
        }),
        () => ({ phone: number, at, status: 0, ms: Date.now() - at }),
      ),
    );
    const next = started + ((i + 1) * 1000) / perSecond;
    await sleep(Math.max(0, next - Date.now()));
  }
  return Promise.all(pending);
}

export function countBy(sent: Sent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { status } of sent) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}
