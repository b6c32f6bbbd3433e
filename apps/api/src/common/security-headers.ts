import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * helmet's headers, computed once. They depend on nothing in the request, so one
 * map serves every answer, including those Fastify or Node.js give before any
 * hook runs (a bad URL, malformed HTTP): every layer sends the same headers.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = computeHeaders();

function computeHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const collector = {
    setHeader: (name: string, value: unknown) => void (headers[name] = String(value)),
    removeHeader: (name: string) => void delete headers[name],
  };
  const middleware = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        // ReDoc renders in a web worker it builds from a blob.
        workerSrc: ["'self'", 'blob:'],
        frameAncestors: ["'none'"],
        // The API is often reached over plain HTTP on localhost in development.
        upgradeInsecureRequests: null,
      },
    },
  });
  let done = false;
  middleware({} as IncomingMessage, collector as unknown as ServerResponse, () => (done = true));
  if (!done) throw new Error('helmet did not finish synchronously');
  return headers;
}
