import { request } from 'node:http';

/**
 * A request from a given source address (any of 127.0.0.0/8 is this
 * machine's), with whatever X-Forwarded-For the client chooses to write:
 * clients on distinct addresses, as a load balancer sees them. Answers the
 * status and the parsed body.
 */
export function requestFrom(
  base: string,
  path: string,
  options: { method?: string; body?: object; source: string; forwardedFor?: string; token?: string },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const sent = request(
      new URL(path, base),
      {
        method: options.method ?? (body === undefined ? 'GET' : 'POST'),
        localAddress: options.source,
        headers: {
          ...(body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
          ...(options.forwardedFor ? { 'x-forwarded-for': options.forwardedFor } : {}),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: parsed(text) }));
      },
    );
    sent.on('error', reject);
    sent.end(body);
  });
}

/** A JSON body, or nothing for another (a balancer's own error page). */
function parsed(text: string): Record<string, unknown> {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
