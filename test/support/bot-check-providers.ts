import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BotCheckProvider } from '../../apps/api/src/bot-check/siteverify.js';

/**
 * Local servers that speak the bot-check providers' documented siteverify
 * APIs. Each checks a request as its provider does (path, POST, a form, or
 * JSON for Turnstile; the secret; the token; hCaptcha's sitekey) and answers
 * with the provider's own bodies. A token is good once: the test makes one
 * with `issue`, as the widget would on the page, and a second check of it is
 * refused as the provider refuses a replay. `mode` makes the provider down
 * (503), slow (never answers) or failing (its internal-error).
 *
 * - Turnstile: https://developers.cloudflare.com/turnstile/get-started/server-side-validation/
 * - hCaptcha: https://docs.hcaptcha.com/#verify-the-user-response-server-side
 * - reCAPTCHA: https://developers.google.com/recaptcha/docs/verify and https://developers.google.com/recaptcha/docs/v3
 */

/** The keys the tests configure (BOT_CHECK_SECRET, BOT_CHECK_SITE_KEY). */
export const BOT_CHECK = { secret: '0x4AAAAAAAtest-secret-0123', siteKey: '0x4AAAAAAAtest-site-key' };

export type SiteVerifyMode = 'normal' | 'down' | 'slow' | 'error';

export interface IssueOptions {
  /** Where the widget was solved (the answer's `hostname`); `localhost` unless given. */
  hostname?: string;
  /**
   * How likely a person, on reCAPTCHA's scale (1.0 a person, 0.0 a bot). reCAPTCHA
   * answers it as a v3 `score` (without one, a v2 answer); hCaptcha as an Enterprise
   * risk `score`, which runs the other way (1 - score); Turnstile has no score.
   */
  score?: number;
  /** The widget's action: Turnstile's `action`, and reCAPTCHA v3's (`submit` unless given). */
  action?: string;
}

export interface SiteVerifyCall {
  at: number;
  /** The request's fields as the provider read them (form fields, or Turnstile's JSON members). */
  fields: Record<string, string>;
}

export interface SiteVerify {
  /** The full siteverify URL, for BOT_CHECK_VERIFY_URL. */
  url: string;
  /** A fresh token the server accepts once. */
  issue(options?: IssueOptions): string;
  /** Every request that arrived, whatever it met. */
  calls: SiteVerifyCall[];
  mode(mode: SiteVerifyMode): void;
  close(): Promise<void>;
}

type Body = Record<string, unknown>;

interface Issued {
  hostname: string;
  score: number | undefined;
  action: string | undefined;
  issuedAt: number;
  /** The answer of the check that used it up; null while unused. */
  answer: Body | null;
  /** Turnstile: the idempotency_key of that check, which may repeat it. */
  idempotencyKey: string | null;
}

interface Contract {
  path: string;
  acceptsJson: boolean;
  /** How long a token is good for. */
  validityMs: number;
  /** A made-up token in the provider's usual shape. */
  token(): string;
  /** The code for a token checked a second time, and for one past its validity. */
  duplicate: string;
  expired: string;
  success(issued: Issued): Body;
  failure(codes: string[]): Body;
}

const random = (bytes: number) => randomBytes(bytes).toString('base64url');

/** The answer's timestamp as the provider writes it. */
const timestamp = (at: number, style: 'millis' | 'seconds' | 'micros') => {
  const iso = new Date(at).toISOString();
  if (style === 'seconds') return iso.replace(/\.\d{3}Z$/, 'Z');
  if (style === 'micros') return iso.replace(/Z$/, '000Z');
  return iso;
};

const CONTRACTS: Record<BotCheckProvider, Contract> = {
  // https://developers.cloudflare.com/turnstile/get-started/server-side-validation/: tokens are at most 2048
  // characters, valid 300 s, single use; form or JSON; `idempotency_key` makes a retried check answer the same.
  turnstile: {
    path: '/turnstile/v0/siteverify',
    acceptsJson: true,
    validityMs: 300_000,
    token: () => `0.${random(600)}`,
    duplicate: 'timeout-or-duplicate',
    expired: 'timeout-or-duplicate',
    success: (issued) => ({
      success: true,
      challenge_ts: timestamp(issued.issuedAt, 'millis'),
      hostname: issued.hostname,
      'error-codes': [],
      action: issued.action ?? '',
      cdata: '',
      metadata: { ephemeral_id: `x:${randomBytes(12).toString('hex')}` },
    }),
    failure: (codes) => ({ success: false, 'error-codes': codes, messages: [] }),
  },
  // https://docs.hcaptcha.com/#verify-the-user-response-server-side: form only; `sitekey` checked against the
  // token when sent; Enterprise answers a risk `score` (0.0 no risk, 1.0 a threat) and `score_reason`.
  hcaptcha: {
    path: '/siteverify',
    acceptsJson: false,
    validityMs: 120_000,
    token: () => `P1_${random(900)}`,
    duplicate: 'invalid-or-already-seen-response',
    expired: 'expired-input-response',
    success: (issued) => ({
      success: true,
      challenge_ts: timestamp(issued.issuedAt, 'micros'),
      hostname: issued.hostname,
      credit: false,
      ...(issued.score === undefined
        ? {}
        : { score: Math.round((1 - issued.score) * 1e6) / 1e6, score_reason: issued.score < 0.5 ? ['bot'] : ['safe'] }),
    }),
    failure: (codes) => ({ success: false, 'error-codes': codes }),
  },
  // https://developers.google.com/recaptcha/docs/verify: tokens valid two minutes, single use; v3
  // (https://developers.google.com/recaptcha/docs/v3) adds `score` and `action`.
  recaptcha: {
    path: '/recaptcha/api/siteverify',
    acceptsJson: false,
    validityMs: 120_000,
    token: () => `03A${random(1000)}`,
    duplicate: 'timeout-or-duplicate',
    expired: 'timeout-or-duplicate',
    success: (issued) => ({
      success: true,
      ...(issued.score === undefined ? {} : { score: issued.score, action: issued.action ?? 'submit' }),
      challenge_ts: timestamp(issued.issuedAt, 'seconds'),
      hostname: issued.hostname,
    }),
    failure: (codes) => ({ success: false, 'error-codes': codes }),
  },
};

/** The fields of a request body as the provider reads them; null when the body cannot be read at all. */
function fieldsOf(request: IncomingMessage, body: string, acceptsJson: boolean): Record<string, string> | null {
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(body));
  if (type === 'application/json' && acceptsJson) {
    try {
      const value = JSON.parse(body) as unknown;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
      return Object.fromEntries(Object.entries(value).map(([name, member]) => [name, String(member)]));
    } catch {
      return null;
    }
  }
  // Any other body is not read: the request carries no fields.
  return {};
}

export async function startSiteVerify(provider: BotCheckProvider): Promise<SiteVerify> {
  const contract = CONTRACTS[provider];
  const issued = new Map<string, Issued>();
  const calls: SiteVerifyCall[] = [];
  let mode: SiteVerifyMode = 'normal';

  const send = (response: ServerResponse, status: number, body: Body) => {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  };

  /** The provider's verdict on a readable request. */
  const check = (fields: Record<string, string>): Body => {
    const codes: string[] = [];
    if (!fields.secret) codes.push('missing-input-secret');
    else if (fields.secret !== BOT_CHECK.secret) codes.push('invalid-input-secret');
    if (!fields.response) codes.push('missing-input-response');
    if (codes.length) return contract.failure(codes);
    if (provider === 'hcaptcha' && fields.sitekey !== undefined && fields.sitekey !== BOT_CHECK.siteKey) {
      return contract.failure(['sitekey-secret-mismatch']);
    }
    const token = issued.get(fields.response);
    if (!token) return contract.failure(['invalid-input-response']);
    if (token.answer) {
      const retried =
        provider === 'turnstile' && fields.idempotency_key && fields.idempotency_key === token.idempotencyKey;
      return retried ? token.answer : contract.failure([contract.duplicate]);
    }
    if (Date.now() - token.issuedAt > contract.validityMs) return contract.failure([contract.expired]);
    token.answer = contract.success(token);
    token.idempotencyKey = fields.idempotency_key || null;
    return token.answer;
  };

  const server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const fields = fieldsOf(request, body, contract.acceptsJson);
      calls.push({ at: Date.now(), fields: fields ?? {} });
      if ((request.url ?? '').split('?')[0] !== contract.path) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
        return;
      }
      if (request.method !== 'POST') {
        response.writeHead(405, { 'content-type': 'text/plain', allow: 'POST' }).end('Method Not Allowed');
        return;
      }
      switch (mode) {
        case 'slow':
          return; // Never answers: the request stays open until the client gives up or close() ends it.
        case 'down':
          response
            .writeHead(503, { 'content-type': 'text/html' })
            .end('<html><body>503 Service Unavailable</body></html>');
          return;
        case 'error':
          send(response, 200, contract.failure(['internal-error']));
          return;
        case 'normal':
          send(response, 200, fields === null ? contract.failure(['bad-request']) : check(fields));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}${contract.path}`,
    issue(options = {}) {
      const token = contract.token();
      issued.set(token, {
        hostname: options.hostname ?? 'localhost',
        score: options.score,
        action: options.action,
        issuedAt: Date.now(),
        answer: null,
        idempotencyKey: null,
      });
      return token;
    },
    calls,
    mode(next) {
      mode = next;
    },
    async close() {
      // The slow mode's requests are still open.
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
