// The ceiling: what GET /api/v1/users/me/ costs with no framework at all. A bare
// node:http server that verifies the same access token as the API (EdDSA or ES256
// with the signing key's public half, its kid, exp, iss, aud; a verified token kept
// until it expires, at most 10,000, as the API keeps them) and runs the same SQL
// statement as the API (the session check and the profile in one prepared
// statement), through a pg pool of the same size. The API's figure is reported as a
// share of this one.
import { createPublicKey, verify as verifyWith } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';
import { OWN_PROFILE } from '../dist/apps/api/apps/api/src/ceilings.js';

const {
  DATABASE_URL,
  CEILING_PUBLIC_KEY,
  PORT,
  JWT_ISSUER = 'referral-service',
  JWT_AUDIENCE = 'referral-api',
} = process.env;
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
const publicKey = createPublicKey(CEILING_PUBLIC_KEY);
const verified = new Map();
const CACHE_SIZE = 10_000;

function verify(authorization) {
  const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  if (!token) return null;
  const cached = verified.get(token);
  if (cached) return cached.exp > Date.now() / 1000 ? cached : null;
  const [header, payload, signature] = token.split('.');
  const alg = JSON.parse(Buffer.from(header, 'base64url').toString()).alg;
  if (!signature || (alg !== 'EdDSA' && alg !== 'ES256')) return null;
  const signed = Buffer.from(`${header}.${payload}`);
  const given = Buffer.from(signature, 'base64url');
  const good =
    alg === 'EdDSA'
      ? verifyWith(null, signed, publicKey, given)
      : verifyWith('sha256', signed, { key: publicKey, dsaEncoding: 'ieee-p1363' }, given);
  if (!good) return null;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  if (claims.exp <= Date.now() / 1000 || claims.iss !== JWT_ISSUER || claims.aud !== JWT_AUDIENCE) return null;
  if (verified.size >= CACHE_SIZE) verified.delete(verified.keys().next().value);
  verified.set(token, claims);
  return claims;
}

createServer(async (request, response) => {
  let claims = null;
  try {
    claims = verify(request.headers.authorization);
  } catch {
    // a malformed token: refused like any other bad one
  }
  if (!claims) {
    response.writeHead(401).end();
    return;
  }
  try {
    const profile = await pool.query({ ...OWN_PROFILE, values: [claims.sub, claims.sid] });
    if (profile.rowCount === 0) {
      response.writeHead(401).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(profile.rows[0]));
  } catch {
    response.writeHead(500).end();
  }
}).listen(Number(PORT), '127.0.0.1', () => console.log(`ceiling on ${PORT}`));

// A clean exit on SIGTERM, so that node --cpu-prof (BENCH_CPU_PROF) writes its profile.
process.on('SIGTERM', () => process.exit(0));
