// The signup ceiling: what POST /api/v1/auth/signup/ costs with no framework. A
// bare node:http server that does a code request's essential work exactly as the
// API does it, with the API's own pieces where they are not the framework: the
// per-IP counter (the same @nest-lab/throttler-storage-redis storage and key),
// the number's normalisation, the SMS budgets (the same Lua script), the code's
// hash and seal, the same per-phone SQL (request_code, one prepared statement)
// and the same BullMQ add with the same job options, so the worker delivers its
// codes like the API's. The API's held rate and CPU per signup are set beside it.
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';
import { RedisSmsBudgetStore } from '../dist/apps/api/apps/api/src/pumping/redis-sms-budget.store.js';
import {
  CODE_DELIVERY_JOB_OPTIONS,
  CODE_DELIVERY_QUEUE,
  CodeDeliveryJob,
} from '../dist/apps/api/libs/domain/src/jobs.js';
import { deriveOtpKeys, generateOtp, hashOtp, sealOtp } from '../dist/apps/api/libs/domain/src/otp.js';
import { normalizePhoneNumber, numberBlock, phoneCountry } from '../dist/apps/api/libs/domain/src/phone-number.js';

const env = process.env;
const PREFIX = env.REDIS_KEY_PREFIX;
// The API's defaults (SIGNUP_IP_RATE_LIMIT=20/60; SPEC section 4): the bench sends each request from its own address.
const [SIGNUP_PER_IP, SIGNUP_WINDOW_SECONDS] = (env.SIGNUP_IP_RATE_LIMIT ?? '20/60').split('/').map(Number);
const WINDOW_MS = 60 * 60 * 1000;
const BUDGETS = [
  ['deployment', Number(env.SMS_BUDGET_PER_HOUR)],
  ['country', Number(env.SMS_BUDGET_PER_COUNTRY_PER_HOUR)],
  ['block', Number(env.SMS_BLOCK_LIMIT_PER_HOUR)],
];
// The API's defaults (SPEC section 4): a code lives 5 minutes, one a minute, five an hour.
const TTL_SECONDS = 300;
const RESEND_SECONDS = 60;
const PER_HOUR = 5;

const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: Number(env.DATABASE_POOL_SIZE ?? 10) });
const redis = new Redis(env.REDIS_URL, { enableOfflineQueue: false });
const counters = new ThrottlerStorageRedisService(redis);
const budgets = new RedisSmsBudgetStore(redis, PREFIX);
const queue = new Queue(CODE_DELIVERY_QUEUE, { connection: { url: env.REDIS_URL }, prefix: `{${PREFIX}:bull}` });
const keys = deriveOtpKeys(env.JWT_SECRET);

function answer(response, status, body) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

async function requestCode(request, body) {
  // TRUST_PROXY=true: the client is the first address of X-Forwarded-For, as Fastify reads it.
  const ip = (request.headers['x-forwarded-for'] ?? request.socket.remoteAddress).split(',')[0].trim();
  const hits = await counters.increment(
    `${PREFIX}:rate:signup:${ip}`,
    SIGNUP_WINDOW_SECONDS * 1000,
    SIGNUP_PER_IP,
    SIGNUP_WINDOW_SECONDS * 1000,
    'signup',
  );
  if (hits.isBlocked) return [429, { error: 'RATE_LIMITED' }];
  const phoneNumber = normalizePhoneNumber(body?.phone_number, 'RU');
  const id = randomUUID();
  const code = generateOtp();
  const claims = BUDGETS.filter(([, limit]) => limit > 0).map(([kind, limit]) => ({
    key:
      kind === 'deployment'
        ? kind
        : kind === 'country'
          ? `country:${phoneCountry(phoneNumber) ?? 'none'}`
          : `block:${numberBlock(phoneNumber)}`,
    limit,
  }));
  const reservation = await budgets.reserve(id, claims, WINDOW_MS);
  if (!reservation.granted) return [429, { error: 'SMS_BUDGET_EXCEEDED' }];
  const {
    rows: [result],
  } = await pool.query({
    name: 'request_code_v1',
    text: 'SELECT outcome, retry_after FROM request_code($1, $2, $3, $4, $5, $6, $7, $8, $9)',
    values: [
      id,
      phoneNumber,
      hashOtp(keys.hashKey, id, phoneNumber, code),
      sealOtp(keys.sealKey, id, code),
      null,
      TTL_SECONDS,
      RESEND_SECONDS,
      PER_HOUR,
      false,
    ],
  });
  if (result.outcome !== 'created') {
    await budgets.release(
      id,
      claims.map((claim) => claim.key),
    );
    return [429, { error: 'RATE_LIMITED' }];
  }
  await queue.add(CodeDeliveryJob.DELIVER, { codeRequestId: id }, { ...CODE_DELIVERY_JOB_OPTIONS, jobId: id });
  return [202, { phone_number: phoneNumber, expires_in: TTL_SECONDS, resend_in: RESEND_SECONDS }];
}

createServer((request, response) => {
  let raw = '';
  request.setEncoding('utf8');
  request.on('data', (chunk) => (raw += chunk));
  request.on('end', () => {
    let body;
    try {
      body = JSON.parse(raw);
    } catch {
      answer(response, 400, { error: 'MALFORMED_REQUEST' });
      return;
    }
    requestCode(request, body).then(
      ([status, answered]) => answer(response, status, answered),
      () => answer(response, 500, { error: 'INTERNAL_ERROR' }),
    );
  });
}).listen(Number(env.PORT), '127.0.0.1', () => console.log(`signup ceiling on ${env.PORT}`));

// A clean exit on SIGTERM, so that node --cpu-prof (BENCH_CPU_PROF) writes its profile.
process.on('SIGTERM', () => process.exit(0));
