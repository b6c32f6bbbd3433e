import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { DomainError, ErrorCode } from '@app/domain';
import { trace } from '@opentelemetry/api';
import { tracingEnabled } from '@app/platform';
import { errorBody } from './error-body.js';
import { ERROR_STATUS } from './error-status.js';
import { SECURITY_HEADERS } from './security-headers.js';
import { LEFT_OUT } from './cost-ledger.js';

const REQUEST_ID = /^[\w.-]{1,64}$/;

/** A caller's X-Request-Id is kept when it is sane, so logs can be matched across services. */
export function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * The router's own refusals, before any hook runs: a path that is not valid
 * percent-encoded UTF-8, or a path parameter over the router's length limit.
 * Answered in the API's error body with the API's headers; the path is not echoed.
 */
export function answerRouterError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const code =
    error.code === 'FST_ERR_BAD_URL'
      ? ErrorCode.MALFORMED_REQUEST
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? ErrorCode.URI_TOO_LONG
        : ErrorCode.INTERNAL_ERROR;
  if (code === ErrorCode.INTERNAL_ERROR) request.log.error({ err: error }, 'router error');
  void reply
    .code(ERROR_STATUS[code])
    .headers({ ...SECURITY_HEADERS, 'X-Request-Id': request.id })
    .send(errorBody(code, request.id));
}

/**
 * What Node.js's HTTP parser refuses (malformed HTTP, headers over the limit, a
 * request that did not arrive in time) never becomes a request: the answer is
 * written to the socket, in the same body and with the same headers.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? ErrorCode.REQUEST_TIMEOUT
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? ErrorCode.HEADERS_TOO_LARGE
        : ErrorCode.MALFORMED_REQUEST;
  const id = randomUUID();
  const status = ERROR_STATUS[code];
  const body = JSON.stringify(errorBody(code, id));
  const headers = {
    ...SECURITY_HEADERS,
    'X-Request-Id': id,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
  };
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n${body}`, () => socket.destroy());
}

/**
 * Every request gets the security headers and its X-Request-Id first thing,
 * and every answer of the API and the health checks `Cache-Control: no-store`
 * (SPEC section 11; the page and the docs' files keep their own caching).
 * While the server drains (SIGTERM), new requests on open connections are
 * answered 503 in the error body, so a load balancer sends them elsewhere.
 */
export function registerEdgeHooks(fastify: FastifyInstance): void {
  let closing = false;
  // With traces on, the HTTP server span is named by its route (`POST /api/v1/auth/signup/`), not by its method alone.
  const traced = tracingEnabled();
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  const headers = !LEFT_OUT.has('headers');
  fastify.addHook('onRequest', (request, reply, done) => {
    if (headers) void reply.headers(SECURITY_HEADERS).header('X-Request-Id', request.id);
    if (traced) nameServerSpan(request.method, request.routeOptions.url);
    // The API's answers carry personal data or tokens, or say how a dependency is: no cache keeps any of them.
    if (headers && (request.url.startsWith('/api/') || request.url.startsWith('/health/')))
      void reply.header('Cache-Control', 'no-store');
    if (closing) {
      void reply.header('Connection', 'close');
      done(new DomainError(ErrorCode.SERVICE_UNAVAILABLE));
      return;
    }
    done();
  });
}

function nameServerSpan(method: string, route: string | undefined): void {
  const span = trace.getActiveSpan();
  if (!span || !route) return;
  span.updateName(`${method} ${route}`);
  span.setAttribute('http.route', route);
}
