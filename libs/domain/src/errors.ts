/**
 * The closed list of error codes the API answers with. Clients switch on `error`,
 * so a code, once published, keeps its meaning. The HTTP status of each code is
 * chosen in one place in the API (its exception filter), never in a service.
 */
export const ErrorCode = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  MALFORMED_JSON: 'MALFORMED_JSON',
  MALFORMED_REQUEST: 'MALFORMED_REQUEST',
  INVALID_PHONE_NUMBER: 'INVALID_PHONE_NUMBER',
  INVALID_CODE: 'INVALID_CODE',
  UNAUTHORIZED: 'UNAUTHORIZED',
  INVALID_REFRESH_TOKEN: 'INVALID_REFRESH_TOKEN',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  USER_NOT_FOUND: 'USER_NOT_FOUND',
  EVENT_NOT_FOUND: 'EVENT_NOT_FOUND',
  SESSION_NOT_FOUND: 'SESSION_NOT_FOUND',
  API_KEY_NOT_FOUND: 'API_KEY_NOT_FOUND',
  REFERRAL_NOT_FOUND: 'REFERRAL_NOT_FOUND',
  REWARD_NOT_FOUND: 'REWARD_NOT_FOUND',
  REAUTHENTICATION_REQUIRED: 'REAUTHENTICATION_REQUIRED',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  USERNAME_TAKEN: 'USERNAME_TAKEN',
  PHONE_NUMBER_TAKEN: 'PHONE_NUMBER_TAKEN',
  REFERRAL_ALREADY_ACTIVATED: 'REFERRAL_ALREADY_ACTIVATED',
  REFERRAL_VOID: 'REFERRAL_VOID',
  REFERRAL_NOT_IN_REVIEW: 'REFERRAL_NOT_IN_REVIEW',
  REWARD_REVERSED: 'REWARD_REVERSED',
  EVENT_ID_REUSED: 'EVENT_ID_REUSED',
  SIGNATURE_INVALID: 'SIGNATURE_INVALID',
  BOT_CHECK_FAILED: 'BOT_CHECK_FAILED',
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  URI_TOO_LONG: 'URI_TOO_LONG',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  HEADERS_TOO_LARGE: 'HEADERS_TOO_LARGE',
  REFERRAL_CODE_NOT_FOUND: 'REFERRAL_CODE_NOT_FOUND',
  REFERRAL_SELF: 'REFERRAL_SELF',
  REFERRAL_CYCLE: 'REFERRAL_CYCLE',
  PHONE_COUNTRY_NOT_ALLOWED: 'PHONE_COUNTRY_NOT_ALLOWED',
  TOO_MANY_ATTEMPTS: 'TOO_MANY_ATTEMPTS',
  SMS_BUDGET_EXCEEDED: 'SMS_BUDGET_EXCEEDED',
  RATE_LIMITED: 'RATE_LIMITED',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ERROR_MESSAGES: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'The request has invalid fields.',
  MALFORMED_JSON: 'The request body is not valid JSON.',
  MALFORMED_REQUEST: 'The request is not well-formed HTTP: check its URL encoding and headers.',
  INVALID_PHONE_NUMBER: 'The phone number is not a valid mobile number.',
  INVALID_CODE: 'The code is invalid or has expired. Request a new code.',
  UNAUTHORIZED: 'Authentication is required: send a valid Bearer access token.',
  INVALID_REFRESH_TOKEN: 'The refresh token is invalid, expired or revoked. Sign in again.',
  FORBIDDEN: 'You may not access this resource.',
  NOT_FOUND: 'No such resource.',
  USER_NOT_FOUND: 'No such user.',
  EVENT_NOT_FOUND: 'No such event.',
  SESSION_NOT_FOUND: 'You have no such session (it may have ended already).',
  API_KEY_NOT_FOUND: 'No live API key has this id.',
  REFERRAL_NOT_FOUND: 'No such referral: the user activated no invite code.',
  REWARD_NOT_FOUND: 'No such reward.',
  REAUTHENTICATION_REQUIRED: 'Sign in again (with a code) first: this change needs a recent sign-in.',
  METHOD_NOT_ALLOWED: 'This method is not allowed on this resource.',
  USERNAME_TAKEN: 'This username is already taken.',
  PHONE_NUMBER_TAKEN: 'A user with this phone number already exists.',
  REFERRAL_ALREADY_ACTIVATED: 'An invite code has already been activated for this user.',
  REFERRAL_VOID: 'The referral is void; nothing changed.',
  REFERRAL_NOT_IN_REVIEW: 'The referral is not waiting for a review; nothing changed.',
  REWARD_REVERSED: 'The reward was reversed; there is nothing to fulfil.',
  EVENT_ID_REUSED: 'This event_id was used before for another call or another user; nothing changed.',
  SIGNATURE_INVALID: 'The request is not signed with the gateway’s credentials; nothing changed.',
  BOT_CHECK_FAILED: 'Complete the bot check and send its token as bot_check_token; nothing was sent.',
  REQUEST_TIMEOUT: 'The request did not arrive in time.',
  PAYLOAD_TOO_LARGE: 'The request body is too large.',
  URI_TOO_LONG: 'The request URL, or a part of its path, is too long.',
  UNSUPPORTED_MEDIA_TYPE: 'The request body must be application/json.',
  HEADERS_TOO_LARGE: 'The request headers are too large.',
  REFERRAL_CODE_NOT_FOUND: 'No user has this invite code.',
  REFERRAL_SELF: 'You cannot activate your own invite code.',
  REFERRAL_CYCLE: 'You cannot activate the invite code of someone you invited.',
  PHONE_COUNTRY_NOT_ALLOWED: 'Sign-in codes are not sent to phone numbers of this country.',
  TOO_MANY_ATTEMPTS: 'Too many wrong codes for this phone number. Try again later.',
  RATE_LIMITED: 'Too many requests. Try again later.',
  SMS_BUDGET_EXCEEDED: 'Too many sign-in codes were sent recently. Try again later.',
  INTERNAL_ERROR: 'Something went wrong on our side.',
  SERVICE_UNAVAILABLE: 'The service is temporarily unavailable. Try again shortly.',
};

export interface ErrorDetail {
  field: string;
  message: string;
}

/** A rule was broken. Carries a stable code; the API maps it to an HTTP answer. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string = ERROR_MESSAGES[code],
    readonly extra: { details?: ErrorDetail[]; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
