import { createRequire } from 'node:module';
import type { Pool } from 'undici';
import type { BotCheckProvider } from '@app/platform';

/**
 * The server side of a bot-check widget: the token the page got from the
 * widget, checked with the provider's `siteverify`. All three speak the same
 * protocol (reCAPTCHA's, which the others copied): a POST of a form with
 * `secret`, `response` (the token) and `remoteip`, answered with JSON holding
 * `success`, `error-codes`, `challenge_ts` and `hostname`.
 *
 * - Turnstile: https://developers.cloudflare.com/turnstile/get-started/server-side-validation/
 *   (form or JSON; also `idempotency_key`; answers `action`, `cdata`, `metadata`; tokens are at most
 *   2048 characters, valid 300 s, single use; codes missing-/invalid-input-secret, missing-/invalid-input-response,
 *   bad-request, timeout-or-duplicate, internal-error, and invalid-widget-id / invalid-parsed-secret for a bad secret)
 * - hCaptcha: https://docs.hcaptcha.com/#verify-the-user-response-server-side (form only; also `sitekey`, checked
 *   against the token; Enterprise answers `score` and `score_reason`; codes as reCAPTCHA's plus
 *   invalid-or-already-seen-response, already-seen-response, expired-input-response, sitekey-secret-mismatch,
 *   not-using-dummy-passcode, missing-/invalid-remoteip)
 * - reCAPTCHA: https://developers.google.com/recaptcha/docs/verify (v2) and
 *   https://developers.google.com/recaptcha/docs/v3 (v3 answers `score` and `action`; tokens valid two minutes,
 *   single use; codes missing-/invalid-input-secret, missing-/invalid-input-response, bad-request, timeout-or-duplicate)
 */

export type { BotCheckProvider };

export type Verdict =
  /** `score` on reCAPTCHA's scale (1.0 very likely a person, 0.0 very likely a bot); null when the answer has none. */
  | { outcome: 'passed'; hostname: string | null; score: number | null }
  /** The provider said no: the token is bad, used or expired, or the score or hostname is refused. */
  | { outcome: 'failed'; reason: string }
  /**
   * No verdict on the person: no answer in time, no connection, a 5xx, an answer that is not the documented
   * JSON, the provider's own internal-error, or our secret or site key refused (a misconfiguration is not the
   * person's fault). The operator's BOT_CHECK_ON_UNAVAILABLE decides.
   */
  | { outcome: 'unavailable'; reason: string };

export interface SiteVerifyOptions {
  provider: BotCheckProvider;
  url: string;
  secret: string;
  /** Sent to hCaptcha only, which checks the token was issued for it; the others take none. */
  siteKey: string | null;
  timeoutMs: number;
  minScore: number;
  /** The host names the widget may have been solved on; empty: any. */
  hostnames: string[];
}

/** Turnstile's documented maximum; the others' tokens are shorter. A longer one is not a token. */
export const MAX_TOKEN_LENGTH = 2048;
const CONNECT_TIMEOUT_MS = 5_000;
/** The documented answers are a few hundred bytes; anything near this is not one of them. */
const MAX_ANSWER_BYTES = 64 * 1024;
/** Checks in flight to the provider at once; more wait in the pool's queue, within their own timeout. */
const CONNECTIONS = 64;

let loaded: typeof import('undici') | undefined;
/** undici, loaded when a provider is set: an API without the bot check never holds its 1 MB of sources. */
function undici(): typeof import('undici') {
  return (loaded ??= createRequire(import.meta.url)('undici') as typeof import('undici'));
}

/** Codes that say our secret or site key is wrong: the person's token was never judged. */
const MISCONFIGURED = new Set([
  'missing-input-secret',
  'invalid-input-secret',
  // Turnstile: the widget or secret inside the secret key does not exist.
  'invalid-widget-id',
  'invalid-parsed-secret',
  // hCaptcha: the site key is not the secret's, or a test key is used with a real secret.
  'sitekey-secret-mismatch',
  'not-using-dummy-passcode',
  'not-using-dummy-secret',
]);
/** The provider's own failure, documented as retryable (Turnstile). */
const PROVIDER_FAILED = new Set(['internal-error']);
// Everything else with success false is the token refused: invalid-input-response, timeout-or-duplicate,
// invalid-or-already-seen-response, … and bad-request too, because the token is the only part of the
// request a person controls: a crafted one must not turn into `unavailable`, which an operator may allow.

/** The protocol errors that mean no connection was made. */
const NO_CONNECTION = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Checks a widget's token with the provider's siteverify through a pool of
 * keep-alive connections to its origin. Every call ends within `timeoutMs`
 * (connect, answer and body included) and never throws: the verdict says what
 * happened, in words that never hold the secret.
 */
export class SiteVerifyClient {
  private readonly pool: Pool;
  private readonly url: URL;
  private readonly hostnames: Set<string>;

  constructor(private readonly options: SiteVerifyOptions) {
    this.url = new URL(options.url);
    if (this.url.protocol !== 'https:' && this.url.protocol !== 'http:') {
      throw new Error(`the siteverify URL must be http:// or https://, not ${this.url.protocol}`);
    }
    if (!(options.timeoutMs > 0)) throw new Error('the siteverify timeout must be a positive number of milliseconds');
    this.hostnames = new Set(options.hostnames.map((name) => name.trim().toLowerCase()).filter(Boolean));
    this.pool = new (undici().Pool)(this.url.origin, {
      connections: CONNECTIONS,
      connect: { timeout: Math.min(CONNECT_TIMEOUT_MS, options.timeoutMs) },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      maxResponseSize: MAX_ANSWER_BYTES,
    });
  }

  async verify(token: string, remoteIp: string | null): Promise<Verdict> {
    if (token.length === 0) return { outcome: 'failed', reason: 'no token' };
    if (token.length > MAX_TOKEN_LENGTH) {
      return { outcome: 'failed', reason: `token longer than ${MAX_TOKEN_LENGTH} characters` };
    }
    const verdict = await this.ask(token, remoteIp);
    return verdict.outcome === 'passed' ? verdict : { ...verdict, reason: this.redact(verdict.reason) };
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async ask(token: string, remoteIp: string | null): Promise<Verdict> {
    const form = new URLSearchParams({ secret: this.options.secret, response: token });
    if (remoteIp) form.set('remoteip', remoteIp);
    if (this.options.provider === 'hcaptcha' && this.options.siteKey) form.set('sitekey', this.options.siteKey);
    let status: number;
    let text: string;
    try {
      const answer = await this.pool.request({
        path: this.url.pathname + this.url.search,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        // The pool's timeouts bound each phase; this bounds the sum, queueing in the pool included.
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      status = answer.statusCode;
      text = await answer.body.text();
    } catch (error) {
      return { outcome: 'unavailable', reason: this.networkReason(error) };
    }
    return this.read(status, text);
  }

  /** The answer's meaning: the documented JSON, read as its provider documents it. */
  private read(status: number, text: string): Verdict {
    if (status >= 500 || status === 429)
      return { outcome: 'unavailable', reason: `the provider answered HTTP ${status}` };
    const body = parseObject(text);
    if (!body || typeof body.success !== 'boolean') {
      return { outcome: 'unavailable', reason: `the provider's answer (HTTP ${status}) is not the documented JSON` };
    }
    const codes = errorCodes(body['error-codes']);
    if (!body.success) {
      const listed = codes.length ? codes.join(', ') : 'no error code';
      if (codes.some((code) => MISCONFIGURED.has(code))) {
        return { outcome: 'unavailable', reason: `the provider refused our secret or site key (${listed})` };
      }
      if (codes.some((code) => PROVIDER_FAILED.has(code))) {
        return { outcome: 'unavailable', reason: `the provider failed (${listed})` };
      }
      return { outcome: 'failed', reason: `the provider refused the token (${listed})` };
    }
    if (status < 200 || status > 299) {
      return { outcome: 'unavailable', reason: `the provider answered success with HTTP ${status}` };
    }
    const hostname = typeof body.hostname === 'string' && body.hostname !== '' ? body.hostname : null;
    if (this.hostnames.size > 0) {
      if (hostname === null) return { outcome: 'failed', reason: 'the answer names no hostname' };
      if (!this.hostnames.has(hostname.toLowerCase())) {
        return { outcome: 'failed', reason: `hostname ${printable(hostname)} is not allowed` };
      }
    }
    const score = this.scoreOf(body.score);
    if (score !== null && score < this.options.minScore) {
      const risk = this.options.provider === 'hcaptcha' ? ` (hCaptcha risk score ${String(body.score)})` : '';
      return { outcome: 'failed', reason: `score ${score} below ${this.options.minScore}${risk}` };
    }
    return { outcome: 'passed', hostname, score };
  }

  /**
   * The answer's score on reCAPTCHA's scale. hCaptcha Enterprise's is a risk score
   * (0.0 no risk, 1.0 a confirmed threat), so it is turned around: BOT_CHECK_MIN_SCORE
   * means "at least this likely a person" whichever the provider.
   */
  private scoreOf(value: unknown): number | null {
    if (typeof value !== 'number' || !Number.isFinite(value)) return null;
    const score = this.options.provider === 'hcaptcha' ? 1 - value : value;
    // 1 - 0.9 is 0.09999999999999998: the providers' scores have at most a few decimals.
    return Math.round(score * 1e6) / 1e6;
  }

  private networkReason(error: unknown): string {
    const timeout = `no answer within ${this.options.timeoutMs} ms`;
    if ((error as { name?: string }).name === 'TimeoutError') return timeout;
    if (
      error instanceof undici().errors.HeadersTimeoutError ||
      error instanceof undici().errors.BodyTimeoutError ||
      error instanceof undici().errors.ConnectTimeoutError
    ) {
      return timeout;
    }
    if (error instanceof undici().errors.ResponseExceededMaxSizeError) {
      return `the provider's answer is larger than ${MAX_ANSWER_BYTES} bytes`;
    }
    const code = (error as { code?: string }).code ?? '';
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? '';
    if (NO_CONNECTION.has(code) || NO_CONNECTION.has(cause)) return `no connection (${cause || code})`;
    return `the connection failed (${code || (error as Error).message || 'unknown error'})`;
  }

  /** Belt and braces: nothing the provider or the network says can bring the secret into a log. */
  private redact(reason: string): string {
    return this.options.secret ? reason.split(this.options.secret).join('[secret]') : reason;
  }
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** The answer's error codes as short printable strings (they end up in logs). */
function errorCodes(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  return list
    .filter((code): code is string => typeof code === 'string')
    .slice(0, 5)
    .map(printable);
}

function printable(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 64 ? `${clean.slice(0, 64)}…` : clean;
}
