/**
 * A layer the API puts on its hottest read (`GET /users/me/`) over what the
 * bench's framework-free ceiling does (bench/ceiling.mjs): Nest's routing and
 * pipeline, the guard's token check, the security headers, CORS, the request's
 * log line, its histogram, the global pipes, the answer's serialisation.
 */
export type LedgerLayer = 'nest' | 'guard' | 'headers' | 'cors' | 'log' | 'histogram' | 'pipes' | 'serialisation';

/**
 * The layers left out of this build: none, in every build that ships. The
 * bench's cost ledger (`BENCH_LEDGER=1 node bench/run.mjs`, docs/performance.md)
 * copies dist/ and writes one layer into its copy of this file, then measures
 * the read without it: what the layer costs is the difference. Read once, at
 * start or construction, never per request.
 */
export const LEFT_OUT: ReadonlySet<LedgerLayer> = new Set<LedgerLayer>([]);

/** The ledger's `guard` row: the holder a bearer token names, read without checking its signature or its key. */
export function unverifiedHolder(authorization: string | undefined): { id: string; sessionId: string } | null {
  const payload = authorization?.split('.')[1];
  if (!payload) return null;
  const { sub, sid } = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub: string; sid: string };
  return { id: sub, sessionId: sid };
}
