import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/** Hears every completed request: its method, the route pattern it matched (undefined: none), status and time. */
export type RequestObserver = (method: string, route: string | undefined, statusCode: number, ms: number) => void;

/**
 * What a log line says of a request's address: the route pattern it matched
 * (`/api/v1/users/:username/`: no username, no query, where the simulated inbox
 * takes a phone number), or for a request no route matched, its path without
 * the query, cut at 100 characters.
 */
export function loggedUrl(request: FastifyRequest): string {
  return request.routeOptions.url ?? request.url.split('?')[0].slice(0, 100);
}

/**
 * One line per request, when it completes, on the API's pino logger: the route
 * pattern (loggedUrl), the status, the
 * time and the client; never a header or a body. Passing health checks are
 * logged at debug. The observer (the HTTP
 * histogram) hears the same completion, so a request costs one hook, not two.
 */
export class RequestLogController extends LogController {
  constructor(
    private readonly observe: RequestObserver = () => undefined,
    // Off in the bench's cost ledger only (common/cost-ledger.ts).
    private readonly log = true,
  ) {
    super();
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    this.observe(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime);
    if (!this.log) return;
    // Flat fields: the shared logger's `req`/`res` serializers expect Node's own objects.
    const line = {
      reqId: request.id,
      method: request.method,
      url: loggedUrl(request),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
      ip: request.ip,
    };
    if (error || reply.statusCode >= 500) request.log.error({ ...line, err: error }, 'request errored');
    // A balancer's or an orchestrator's probes, every few seconds for ever: at debug while they pass.
    else if (line.url.startsWith('/health/') && reply.statusCode < 400) request.log.debug(line, 'request');
    else request.log.info(line, 'request');
  }
}
