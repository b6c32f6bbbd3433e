import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERROR_MESSAGES, ErrorCode, type ErrorDetail } from '@app/domain';
import { traceField } from '@app/platform';
import { ERROR_STATUS } from './error-status.js';

export class ErrorDetailDto implements ErrorDetail {
  @ApiProperty({ example: 'phone_number' })
  field: string;

  @ApiProperty({ example: 'phone_number must be a string' })
  message: string;
}

/** Every error answer has this shape. */
export class ErrorBodyDto {
  @ApiProperty({ example: 409 })
  status_code: number;

  @ApiProperty({ enum: Object.values(ErrorCode), example: ErrorCode.REFERRAL_ALREADY_ACTIVATED })
  error: ErrorCode;

  @ApiProperty({ example: 'An invite code has already been activated for this user.' })
  message: string;

  @ApiProperty({ example: '5f0c6f0e-3a53-4a43-9d7c-8d2b9a3c2f10' })
  request_id: string;

  @ApiPropertyOptional({
    example: '4bf92f3577b34da6a3ce929d0e0e4736',
    description:
      'With traces on (OTEL_EXPORTER_OTLP_ENDPOINT): the trace of this request, to find it in the tracing backend.',
  })
  trace_id?: string;

  @ApiPropertyOptional({ type: [ErrorDetailDto], description: 'Present on VALIDATION_FAILED: one entry per problem.' })
  details?: ErrorDetail[];
}

/** What an error may say of the input (SPEC section 11): names and messages cut short, and a few details at most. */
export const ERROR_DETAIL_LIMITS = { details: 10, field: 64, message: 200 };

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * Details as an answer may carry them: a client's key is named once, cut at 64
 * characters (in its message too), and the list stops at ten with a count of
 * the rest, so no input makes the answer grow with it.
 */
export function boundedDetails(details: ErrorDetail[]): ErrorDetail[] {
  const { details: most, field: fieldMax, message: messageMax } = ERROR_DETAIL_LIMITS;
  const seen = new Set<string>();
  const unique = details.filter(({ field, message }) => {
    const key = `${field}\0${message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const listed = unique.slice(0, most).map(({ field, message }) => {
    const short = cut(field, fieldMax);
    return { field: short, message: cut(field ? message.split(field).join(short) : message, messageMax) };
  });
  if (unique.length > most) listed.push({ field: 'body', message: `and ${unique.length - most} more` });
  return listed;
}

/** The one error body, whichever layer answers: the router, the body parser, a guard, a handler. */
export function errorBody(
  code: ErrorCode,
  requestId: string,
  message: string = ERROR_MESSAGES[code],
  details?: ErrorDetail[],
): ErrorBodyDto {
  return {
    status_code: ERROR_STATUS[code],
    error: code,
    message,
    request_id: requestId,
    ...traceField(),
    ...(details ? { details: boundedDetails(details) } : {}),
  };
}
