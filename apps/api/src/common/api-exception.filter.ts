import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ErrorCode, type ErrorDetail } from '@app/domain';
import { isUnavailableError } from '@app/platform';
import { errorBody, type ErrorBodyDto } from './error-body.js';
import { errorCodeForStatus } from './error-status.js';
import { loggedUrl } from './request-log.js';

interface FrameworkError {
  statusCode?: number;
  code?: string;
  message?: string;
}

/** Fastify's body-parsing refusals that have a code of their own. */
const FRAMEWORK_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ErrorCode.PAYLOAD_TOO_LARGE,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
};

/**
 * Turns every failure into the one error body of the API. Rules throw
 * DomainError; framework and transport errors are mapped by status; anything
 * unexpected is logged with its stack and answered 500 without details.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { body, retryAfterSeconds } = this.describe(exception, request);
    const status = body.status_code;
    // A dependency that is down is worth asking again shortly; a limit says when.
    const retryAfter = retryAfterSeconds ?? (status === 503 ? 1 : undefined);
    if (retryAfter !== undefined) void reply.header('Retry-After', String(retryAfter));
    if (status === 401) void reply.header('WWW-Authenticate', bearerChallenge(body.error, request));
    if (status === 503) {
      this.logger.warn({ err: exception, request_id: request.id, url: loggedUrl(request) }, 'dependency unavailable');
    } else if (status >= 500) {
      this.logger.error({ err: exception, request_id: request.id, url: loggedUrl(request) }, 'request failed');
    }
    void reply.status(status).send(body);
  }

  describe(exception: unknown, request: FastifyRequest): { body: ErrorBodyDto; retryAfterSeconds?: number } {
    const id = String(request.id);
    if (exception instanceof DomainError) {
      return {
        body: errorBody(exception.code, id, exception.message, exception.extra.details),
        retryAfterSeconds: exception.extra.retryAfterSeconds,
      };
    }

    // Fastify's own errors (body parsing, limits) arrive wrapped in an HttpException.
    const cause = exception instanceof HttpException ? exception.cause : exception;
    const framework = cause as FrameworkError | null;
    const known = framework?.code ? FRAMEWORK_CODES[framework.code] : undefined;
    if (known) return { body: errorBody(known, id) };

    if (exception instanceof HttpException) {
      const code = errorCodeForStatus(exception.getStatus());
      return { body: errorBody(code, id, undefined, healthDetails(exception)) };
    }

    if (typeof framework?.statusCode === 'number' && framework.statusCode >= 400 && framework.statusCode < 500) {
      return { body: errorBody(errorCodeForStatus(framework.statusCode), id) };
    }

    if (isUnavailableError(exception)) return { body: errorBody(ErrorCode.SERVICE_UNAVAILABLE, id) };

    return { body: errorBody(ErrorCode.INTERNAL_ERROR, id) };
  }
}

/**
 * RFC 6750 section 3: a 401 names the scheme, and says `invalid_token` when the
 * client sent a token (an access token in the header, or a refresh token) that
 * was refused; without one it gives no error code.
 */
function bearerChallenge(code: ErrorCode, request: FastifyRequest): string {
  const sentToken = code === ErrorCode.INVALID_REFRESH_TOKEN || /^Bearer\s/i.test(request.headers.authorization ?? '');
  return sentToken ? 'Bearer realm="referral-service", error="invalid_token"' : 'Bearer realm="referral-service"';
}

/**
 * A failed readiness check says which dependency is down, and no more: the
 * error's text (a host, a driver's message) goes to the log, not to whoever asks.
 */
function healthDetails(exception: HttpException): ErrorDetail[] | undefined {
  const response = exception.getResponse() as { error?: Record<string, unknown> } | string;
  if (typeof response !== 'object' || !response.error || exception.getStatus() !== 503) return undefined;
  return Object.keys(response.error).map((field) => ({ field, message: 'down' }));
}
