import { errors, Pool } from 'undici';
import type { AppConfig } from '@app/platform';
import { SmsFailure } from '../sms-transport.js';

const CONNECT_TIMEOUT_MS = 5_000;

export interface GatewayAnswer {
  status: number;
  body: string;
}

/** Failures before the request left: the gateway cannot have taken it. */
const NOT_SENT = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** The pool of a gateway, sized for the worker's deliveries in flight, timed out by SMS_GATEWAY_TIMEOUT_MS. */
export function gatewayClient(baseUrl: string, config: AppConfig): GatewayClient {
  return new GatewayClient(baseUrl, {
    connections: config.worker.concurrency,
    answerTimeoutMs: config.sms.gatewayTimeoutMs,
  });
}

/**
 * An SMS gateway's HTTP API through undici: a pool of keep-alive connections
 * to its origin, a connect timeout and an answer timeout. A network failure
 * becomes an SmsFailure: `transient` when the request cannot have reached the
 * gateway, `ambiguous` when it went out and no whole answer came back.
 */
export class GatewayClient {
  private readonly pool: Pool;
  readonly origin: URL;

  constructor(baseUrl: string, options: { connections: number; answerTimeoutMs: number }) {
    this.origin = new URL(baseUrl);
    this.pool = new Pool(this.origin.origin, {
      connections: options.connections,
      connect: { timeout: Math.min(CONNECT_TIMEOUT_MS, options.answerTimeoutMs) },
      headersTimeout: options.answerTimeoutMs,
      bodyTimeout: options.answerTimeoutMs,
    });
  }

  /** POSTs a form to a path under the base URL. */
  async postForm(
    path: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<GatewayAnswer> {
    return this.post(path, new URLSearchParams(fields).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    });
  }

  async post(path: string, body: string, headers: Record<string, string>): Promise<GatewayAnswer> {
    try {
      const answer = await this.pool.request({
        path: this.origin.pathname.replace(/\/$/, '') + path,
        method: 'POST',
        headers,
        body,
      });
      // Read to the end: an answer cut off halfway throws here.
      return { status: answer.statusCode, body: await answer.body.text() };
    } catch (error) {
      throw networkFailure(error);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** What a failed request means: not sent (a connection never made), or maybe sent (it failed after going out). */
export function networkFailure(error: unknown): SmsFailure {
  const code = (error as { code?: string }).code ?? '';
  const cause = (error as { cause?: { code?: string } }).cause?.code ?? '';
  if (NOT_SENT.has(code) || NOT_SENT.has(cause)) return new SmsFailure('transient', `no connection (${code || cause})`);
  if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
    return new SmsFailure('ambiguous', 'no answer in time after the request went out');
  }
  return new SmsFailure(
    'ambiguous',
    `the connection failed after the request went out (${code || (error as Error).message})`,
  );
}

/** The usual reading of an HTTP status: 5xx and 429 are for now, the rest of 4xx for good. */
export function statusKind(status: number): 'transient' | 'permanent' {
  return status >= 500 || status === 429 ? 'transient' : 'permanent';
}

export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return null;
  }
}
