import { IsOptional, IsString, Matches } from 'class-validator';
import { type FeatureContext, GROUPS, type HelpOf, INTEGER, splitList } from './shared.js';

const RATE = /^\d+\/\d+$/;

export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

/** The API's HTTP side: where it listens, whom it trusts, what each client address may ask. */
export class HttpSettings {
  @Matches(INTEGER)
  PORT = '3000';

  @IsOptional()
  @IsString()
  HOST?: string;

  @Matches(/^(true|false|\d+|[\d.:a-fA-F/]+(\s*,\s*[\d.:a-fA-F/]+)*)$/, {
    message: 'TRUST_PROXY must be true, false, a hop count, or a comma-separated list of proxy addresses',
  })
  TRUST_PROXY = 'false';

  @IsString()
  CORS_ORIGINS = '';

  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, {
    message: 'PUBLIC_URL must be an http:// or https:// URL without a query, such as https://app.example.com',
  })
  PUBLIC_URL?: string;

  @Matches(RATE, { message: 'SIGNUP_IP_RATE_LIMIT must look like 20/60 (requests per seconds)' })
  SIGNUP_IP_RATE_LIMIT = '20/60';

  @Matches(RATE, { message: 'VERIFY_IP_RATE_LIMIT must look like 30/60 (requests per seconds)' })
  VERIFY_IP_RATE_LIMIT = '30/60';

  @Matches(RATE, { message: 'TOKEN_IP_RATE_LIMIT must look like 60/60 (requests per seconds)' })
  TOKEN_IP_RATE_LIMIT = '60/60';

  /** After SIGTERM the API answers readiness 503 this long while it still serves, then closes. */
  @Matches(INTEGER, { message: 'SHUTDOWN_DELAY_SECONDS must be a whole number of seconds' })
  SHUTDOWN_DELAY_SECONDS = '0';
}

const group = GROUPS.http;
export const HTTP_HELP: HelpOf<HttpSettings> = {
  PORT: { group, meaning: "the API's HTTP port" },
  HOST: { group, meaning: 'the address the API listens on', default: '127.0.0.1 (0.0.0.0 in production)' },
  TRUST_PROXY: {
    group,
    meaning:
      "false; a hop count (1: the address one load balancer appended to X-Forwarded-For); the proxies' addresses/CIDRs; true (refused in production)",
  },
  CORS_ORIGINS: { group, meaning: 'browser origins allowed to call the API, comma-separated' },
  PUBLIC_URL: {
    group,
    meaning: 'where people reach the page: invite links are {PUBLIC_URL}/?ref={code}',
    default: 'http://127.0.0.1:$PORT',
  },
  SIGNUP_IP_RATE_LIMIT: { group, meaning: 'code requests per client address: requests/seconds' },
  VERIFY_IP_RATE_LIMIT: { group, meaning: 'code checks per client address: requests/seconds' },
  TOKEN_IP_RATE_LIMIT: {
    group,
    meaning: 'token refreshes and logouts per client address: requests/seconds (an app refreshes every 15 minutes)',
  },
  SHUTDOWN_DELAY_SECONDS: {
    group,
    meaning:
      'after SIGTERM the API answers /health/ready 503 for this long while it still serves, so a balancer or Kubernetes takes it out first; then it closes',
  },
};

export interface HttpConfig {
  http: {
    host: string;
    port: number;
    trustProxy: boolean | number | string[];
    corsOrigins: string[];
    bodyLimitBytes: number;
    /** Where people reach the page: invite links are `{publicUrl}/?ref={code}`. */
    publicUrl: string;
    /** Seconds between SIGTERM (readiness 503 from then on) and the close. */
    shutdownDelaySeconds: number;
  };
  rateLimits: { signupPerIp: RateLimit; verifyPerIp: RateLimit; tokenPerIp: RateLimit };
}

export function httpConfig(v: HttpSettings, { isProduction, problem }: FeatureContext): HttpConfig {
  if (isProduction && v.TRUST_PROXY === 'true') {
    problem(
      'TRUST_PROXY',
      "true trusts whatever X-Forwarded-For a client writes; in production give the hop count (1 behind one load balancer) or the proxies' addresses",
    );
  }
  const port = Number(v.PORT);
  if (port > 65535) problem('PORT', 'must be at most 65535');
  return {
    http: {
      host: v.HOST ?? (isProduction ? '0.0.0.0' : '127.0.0.1'),
      port,
      trustProxy: parseTrustProxy(v.TRUST_PROXY),
      corsOrigins: splitList(v.CORS_ORIGINS),
      bodyLimitBytes: 16 * 1024,
      publicUrl: (v.PUBLIC_URL ?? `http://127.0.0.1:${port}`).replace(/\/+$/, ''),
      shutdownDelaySeconds: Number(v.SHUTDOWN_DELAY_SECONDS),
    },
    rateLimits: {
      signupPerIp: parseRate(v.SIGNUP_IP_RATE_LIMIT),
      verifyPerIp: parseRate(v.VERIFY_IP_RATE_LIMIT),
      tokenPerIp: parseRate(v.TOKEN_IP_RATE_LIMIT),
    },
  };
}

function parseRate(value: string): RateLimit {
  const [limit, windowSeconds] = value.split('/').map(Number);
  return { limit, windowSeconds };
}

function parseTrustProxy(value: string): boolean | number | string[] {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return splitList(value);
}
