import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERROR_MESSAGES, ErrorCode, type ErrorDetail } from '@app/domain';
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

  @ApiPropertyOptional({ type: [ErrorDetailDto], description: 'Present on VALIDATION_FAILED: one entry per problem.' })
  details?: ErrorDetail[];
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
    ...(details ? { details } : {}),
  };
}
