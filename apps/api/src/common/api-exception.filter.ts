import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ERROR_MESSAGES, ErrorCode, isUnavailableError, type ErrorDetail } from '@app/domain';
import { ERROR_STATUS, errorCodeForStatus } from './error-status.js';
import type { ErrorBodyDto } from './error-body.js';

interface FrameworkError {
  statusCode?: number;
  code?: string;
  message?: string;
}

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
    const { status, body, retryAfterSeconds } = this.describe(exception, request);
    if (retryAfterSeconds !== undefined) void reply.header('Retry-After', String(retryAfterSeconds));
    if (status === 503) {
      this.logger.warn({ err: exception, request_id: request.id, url: request.url }, 'dependency unavailable');
    } else if (status >= 500) {
      this.logger.error({ err: exception, request_id: request.id, url: request.url }, 'request failed');
    }
    void reply.status(status).send(body);
  }

  describe(
    exception: unknown,
    request: FastifyRequest,
  ): { status: number; body: ErrorBodyDto; retryAfterSeconds?: number } {
    const body = (status: number, code: ErrorCode, message?: string, details?: ErrorDetail[]): ErrorBodyDto => ({
      status_code: status,
      error: code,
      message: message ?? ERROR_MESSAGES[code],
      request_id: String(request.id),
      ...(details ? { details } : {}),
    });

    if (exception instanceof DomainError) {
      const status = ERROR_STATUS[exception.code];
      return {
        status,
        body: body(status, exception.code, exception.message, exception.extra.details),
        retryAfterSeconds: exception.extra.retryAfterSeconds,
      };
    }

    // Fastify's own errors (body parsing, limits) arrive wrapped in an HttpException.
    const cause = exception instanceof HttpException ? exception.cause : exception;
    const framework = cause as FrameworkError | null;
    if (framework?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return { status: 413, body: body(413, ErrorCode.PAYLOAD_TOO_LARGE) };
    }
    if (framework?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return { status: 415, body: body(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE) };
    }

    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return { status, body: body(status, errorCodeForStatus(status), undefined, healthDetails(exception)) };
    }

    if (typeof framework?.statusCode === 'number' && framework.statusCode >= 400 && framework.statusCode < 500) {
      const status = framework.statusCode;
      return { status, body: body(status, errorCodeForStatus(status)) };
    }

    if (isUnavailableError(exception)) {
      return { status: 503, body: body(503, ErrorCode.SERVICE_UNAVAILABLE), retryAfterSeconds: 1 };
    }

    return { status: 500, body: body(500, ErrorCode.INTERNAL_ERROR) };
  }
}

/** A failed readiness check says which dependency is down. */
function healthDetails(exception: HttpException): ErrorDetail[] | undefined {
  const response = exception.getResponse() as { error?: Record<string, { message?: string }> } | string;
  if (typeof response !== 'object' || !response.error || exception.getStatus() !== 503) return undefined;
  return Object.entries(response.error).map(([field, result]) => ({ field, message: result.message ?? 'down' }));
}
