import { HttpStatus } from '@nestjs/common';
import { ErrorCode } from '@app/domain';

/** The one place where an error code becomes an HTTP status. */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: HttpStatus.BAD_REQUEST,
  MALFORMED_JSON: HttpStatus.BAD_REQUEST,
  MALFORMED_REQUEST: HttpStatus.BAD_REQUEST,
  INVALID_PHONE_NUMBER: HttpStatus.BAD_REQUEST,
  INVALID_CODE: HttpStatus.BAD_REQUEST,
  UNAUTHORIZED: HttpStatus.UNAUTHORIZED,
  INVALID_REFRESH_TOKEN: HttpStatus.UNAUTHORIZED,
  FORBIDDEN: HttpStatus.FORBIDDEN,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  USER_NOT_FOUND: HttpStatus.NOT_FOUND,
  EVENT_NOT_FOUND: HttpStatus.NOT_FOUND,
  SESSION_NOT_FOUND: HttpStatus.NOT_FOUND,
  API_KEY_NOT_FOUND: HttpStatus.NOT_FOUND,
  REFERRAL_NOT_FOUND: HttpStatus.NOT_FOUND,
  REWARD_NOT_FOUND: HttpStatus.NOT_FOUND,
  REAUTHENTICATION_REQUIRED: HttpStatus.FORBIDDEN,
  METHOD_NOT_ALLOWED: HttpStatus.METHOD_NOT_ALLOWED,
  USERNAME_TAKEN: HttpStatus.CONFLICT,
  PHONE_NUMBER_TAKEN: HttpStatus.CONFLICT,
  REFERRAL_ALREADY_ACTIVATED: HttpStatus.CONFLICT,
  REFERRAL_VOID: HttpStatus.CONFLICT,
  REFERRAL_NOT_IN_REVIEW: HttpStatus.CONFLICT,
  REWARD_REVERSED: HttpStatus.CONFLICT,
  EVENT_ID_REUSED: HttpStatus.CONFLICT,
  SIGNATURE_INVALID: HttpStatus.FORBIDDEN,
  BOT_CHECK_FAILED: HttpStatus.FORBIDDEN,
  REQUEST_TIMEOUT: HttpStatus.REQUEST_TIMEOUT,
  PAYLOAD_TOO_LARGE: HttpStatus.PAYLOAD_TOO_LARGE,
  URI_TOO_LONG: HttpStatus.URI_TOO_LONG,
  UNSUPPORTED_MEDIA_TYPE: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  // Nest's HttpStatus has no 431 Request Header Fields Too Large.
  HEADERS_TOO_LARGE: 431,
  REFERRAL_CODE_NOT_FOUND: HttpStatus.UNPROCESSABLE_ENTITY,
  REFERRAL_SELF: HttpStatus.UNPROCESSABLE_ENTITY,
  REFERRAL_CYCLE: HttpStatus.UNPROCESSABLE_ENTITY,
  PHONE_COUNTRY_NOT_ALLOWED: HttpStatus.UNPROCESSABLE_ENTITY,
  TOO_MANY_ATTEMPTS: HttpStatus.TOO_MANY_REQUESTS,
  RATE_LIMITED: HttpStatus.TOO_MANY_REQUESTS,
  SMS_BUDGET_EXCEEDED: HttpStatus.TOO_MANY_REQUESTS,
  INTERNAL_ERROR: HttpStatus.INTERNAL_SERVER_ERROR,
  SERVICE_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
};

/** For errors raised by the framework rather than by our rules. */
export function errorCodeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return ErrorCode.MALFORMED_REQUEST;
    case 401:
      return ErrorCode.UNAUTHORIZED;
    case 403:
      return ErrorCode.FORBIDDEN;
    case 404:
      return ErrorCode.NOT_FOUND;
    case 405:
      return ErrorCode.METHOD_NOT_ALLOWED;
    case 408:
      return ErrorCode.REQUEST_TIMEOUT;
    case 413:
      return ErrorCode.PAYLOAD_TOO_LARGE;
    case 414:
      return ErrorCode.URI_TOO_LONG;
    case 415:
      return ErrorCode.UNSUPPORTED_MEDIA_TYPE;
    case 429:
      return ErrorCode.RATE_LIMITED;
    case 431:
      return ErrorCode.HEADERS_TOO_LARGE;
    case 503:
      return ErrorCode.SERVICE_UNAVAILABLE;
    default:
      return ErrorCode.INTERNAL_ERROR;
  }
}
