// The ceiling: what GET /api/v1/users/me/ costs with no framework at all. A bare
// node:http server that verifies the same HS256 JWT (alg, signature, exp, iss,
// aud) and runs the same SQL statement as the API (the session check and the
// profile in one prepared statement), through a pg pool of the same size. The
// API's figure is reported as a share of this one.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';
import { OWN_PROFILE } from '../dist/apps/api/apps/api/src/ceilings.js';

const { DATABASE_URL, JWT_SECRET, PORT, JWT_ISSUER = 'referral-service', JWT_AUDIENCE = 'referral-api' } = process.env;
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });

function verify(authorization) {
  const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  if (!token) return null;
  const [header, payload, signature] = token.split('.');
  if (!signature || JSON.parse(Buffer.from(header, 'base64url').toString()).alg !== 'HS256') return null;
  const expected = createHmac('sha256', JWT_SECRET).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  if (claims.exp <= Date.now() / 1000 || claims.iss !== JWT_ISSUER || claims.aud !== JWT_AUDIENCE) return null;
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
