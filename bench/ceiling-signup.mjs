// The signup ceiling: what POST /api/v1/auth/signup/ costs with no framework. A
// bare node:http server that does a code request's essential work as the API
// does it, with the API's own pieces where they are not the framework and the
// API's settings (loadConfig on the same environment): the per-IP counter (the
// same @nest-lab/throttler-storage-redis storage and key), the number's
// normalisation, the pumping defences (the API's PumpingService over its Redis
// budget store), the code's hash and seal, the same per-phone statement
// (REQUEST_CODE, prepared) and the same BullMQ add with the same job options,
// so the worker delivers its codes like the API's. The API's held rate and CPU
// per signup are set beside it.
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';
// The API's pieces through the door it keeps for the ceilings (apps/api/src/ceilings.ts), the libraries
// through their one door each, as the apps import them.
import {
  ApiMetrics,
  ERROR_STATUS,
  PumpingService,
  RedisSmsBudgetStore,
  REQUEST_CODE,
} from '../dist/apps/api/apps/api/src/ceilings.js';
import {
  CODE_DELIVERY_QUEUE,
  CodeDeliveryJob,
  codeDeliveryJobId,
  codeDeliveryJobOptions,
  DomainError,
  generateOtp,
  normalizePhoneNumber,
  OtpKeyRing,
} from '../dist/apps/api/libs/domain/src/index.js';
import { loadConfig } from '../dist/apps/api/libs/platform/src/index.js';

const config = loadConfig(process.env);
const prefix = config.redis.keyPrefix;
const { limit: signupPerIp, windowSeconds } = config.rateLimits.signupPerIp;
const { ttlSeconds, resendSeconds, perHour } = config.otp;

const pool = new pg.Pool({ connectionString: config.database.url, max: config.database.poolSize });
const redis = new Redis(config.redis.url, { enableOfflineQueue: false });
const counters = new ThrottlerStorageRedisService(redis);
const pumping = new PumpingService(config, new RedisSmsBudgetStore(redis, prefix), new ApiMetrics());
const queue = new Queue(CODE_DELIVERY_QUEUE, {
  connection: { url: config.redis.url, enableOfflineQueue: false },
  prefix: `{${prefix}:bull}`,
});
const keys = OtpKeyRing.of(config);

function answer(response, status, body) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

async function requestCode(request, body) {
  // TRUST_PROXY=1: the client is the address the one proxy appended, the last of X-Forwarded-For.
  const ip = (request.headers['x-forwarded-for'] ?? request.socket.remoteAddress).split(',').at(-1).trim();
  const window = windowSeconds * 1000;
  const hits = await counters.increment(`${prefix}:rate:signup:${ip}`, window, signupPerIp, window, 'signup');
  if (hits.isBlocked) return [429, { error: 'RATE_LIMITED' }];
  const phoneNumber = normalizePhoneNumber(body?.phone_number, config.defaultPhoneRegion);
  pumping.checkCountry(phoneNumber);
  const id = randomUUID();
  const code = generateOtp();
  // The API's one owner of the budgets: reserved for the code, given back when the per-phone rules refuse it.
  const result = await pumping.withBudgets(
    id,
    phoneNumber,
    false,
    async () => {
      const { rows } = await pool.query({
        ...REQUEST_CODE,
        values: [
          id,
          phoneNumber,
          keys.hash(id, phoneNumber, code),
          keys.seal(id, code),
          null,
          ttlSeconds,
          resendSeconds,
          perHour,
          false,
          false,
          config.otp.failuresPerWindow,
          config.otp.failureWindowSeconds,
          null,
        ],
      });
      return rows[0];
    },
    (made) => made.outcome === 'created',
  );
  if (result.outcome !== 'created') return [429, { error: 'RATE_LIMITED' }];
  await queue.add(
    CodeDeliveryJob.DELIVER,
    { codeRequestId: id },
    { ...codeDeliveryJobOptions(config), jobId: codeDeliveryJobId(id) },
  );
  return [202, { phone_number: phoneNumber, expires_in: ttlSeconds, resend_in: resendSeconds }];
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
      // A refusal of the API's own (a wrong number, a blocked country, a spent budget) keeps its status.
      (error) =>
        error instanceof DomainError
          ? answer(response, ERROR_STATUS[error.code], { error: error.code })
          : answer(response, 500, { error: 'INTERNAL_ERROR' }),
    );
  });
}).listen(config.http.port, '127.0.0.1', () => console.log(`signup ceiling on ${config.http.port}`));

// A clean exit on SIGTERM, so that node --cpu-prof (BENCH_CPU_PROF) writes its profile.
process.on('SIGTERM', () => process.exit(0));
