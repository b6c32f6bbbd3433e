import { ApiExtension } from '@nestjs/swagger';
import type { ErrorCode } from '@app/domain';

/** The OpenAPI extension that carries an operation's own error codes until the document is built. */
export const API_ERRORS_EXTENSION = 'x-error-codes';

/**
 * The error codes an operation answers beyond those every operation of its kind
 * can (see docs/openapi.ts). The document gets one response per status, whose
 * schema allows exactly these codes, so a test that validates answers against
 * the document catches a code the document does not list.
 */
export const ApiErrors = (...codes: ErrorCode[]) => ApiExtension(API_ERRORS_EXTENSION, codes);
