import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** A secret as the host app's settings hold it: whsec_ and 32 random bytes in base64. */
export const EVENTS_SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;

export interface Delivery {
  id: string;
  timestamp: number;
  body: string;
  headers: IncomingHttpHeaders;
  payload: { type: string; timestamp: string; data: Record<string, unknown> };
  at: number;
}

/** The answers of the next requests, in order (`Retry-After` with a status as `429:3`); after them, 204. */
type Answer = number | `${number}:${number}`;

export interface Receiver {
  url: string;
  /** Verified deliveries answered with a 2xx, in arrival order. */
  delivered: Delivery[];
  /** The webhook-id of every request that arrived and verified, as it arrived (before any answer). */
  arrivals: string[];
  /** Every request that was answered: its webhook-id, the status it got, and whether it verified. */
  requests: Array<{ id: string; status: number; verified: boolean; at: number }>;
  script(...answers: Answer[]): void;
  /** Holds each answer this long (requests in flight). */
  slow(ms: number): void;
  /** Stops listening (connections refused) until `resume`. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The host app's webhook receiver: every request is verified with the
 * `standardwebhooks` package, as a receiver would (`new Webhook(secret).verify`),
 * and one that does not verify is refused with 400 and never counts as delivered.
 */
export async function startReceiver(secret = EVENTS_SECRET): Promise<Receiver> {
  const verifier = new Webhook(secret);
  const delivered: Delivery[] = [];
  const requests: Receiver['requests'] = [];
  const arrivals: string[] = [];
  let script: Answer[] = [];
  let holdMs = 0;
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const id = String(request.headers['webhook-id']);
      let payload: Delivery['payload'];
      try {
        payload = verifier.verify(body, request.headers as Record<string, string>) as Delivery['payload'];
      } catch {
        requests.push({ id, status: 400, verified: false, at: Date.now() });
        response.writeHead(400).end('signature does not verify');
        return;
      }
      arrivals.push(id);
      const answer = () => {
        const [status, retryAfter] = String(script.shift() ?? 204)
          .split(':')
          .map(Number);
        requests.push({ id, status, verified: true, at: Date.now() });
        if (status >= 200 && status <= 299) {
          const timestamp = Number(request.headers['webhook-timestamp']);
          delivered.push({ id, timestamp, body, headers: request.headers, payload, at: Date.now() });
        }
        response.writeHead(status, retryAfter ? { 'retry-after': String(retryAfter) } : {}).end();
      };
      if (holdMs > 0) setTimeout(answer, holdMs);
      else answer();
    });
  };
  let server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const stop = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return {
    url: `http://127.0.0.1:${port}/hooks/referrals`,
    delivered,
    arrivals,
    requests,
    script: (...answers) => (script = answers),
    slow: (ms) => (holdMs = ms),
    pause: stop,
    async resume() {
      server = createServer(handler);
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    close: async () => {
      if (server.listening) await stop();
    },
  };
}
