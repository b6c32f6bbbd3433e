import type { FastifyInstance, FastifyRequest } from 'fastify';
import sjson from 'secure-json-parse';
import { DomainError, ErrorCode } from '@app/domain';

/** A receipt route's request, with its JSON body's text as it came. */
export type RawBodyRequest = FastifyRequest & { rawBody?: string };

/** The gateways' delivery receipts come as forms (Twilio, SMS.ru, Vonage's POST); only their routes take one. */
export const FORM_ROUTES_PREFIX = '/api/v1/hooks/';

/**
 * The API's body parsers: JSON everywhere, and a form on the gateways' receipt routes alone. Malformed JSON is MALFORMED_JSON; a document that
 * is valid JSON but carries `__proto__` or `constructor.prototype` keys (a
 * prototype-pollution attempt) is VALIDATION_FAILED naming the key. Fastify's
 * own parser answers both alike, and its text parser is not wanted. A form
 * elsewhere is 415 UNSUPPORTED_MEDIA_TYPE, as before; on a receipt route it is
 * a flat object of strings (a repeated field keeps its last value).
 */
export function useJsonBodiesOnly(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    // WhatsApp and Telegram sign the bytes they send: their receipt routes check the text as it came.
    if (request.url.startsWith(FORM_ROUTES_PREFIX)) (request as RawBodyRequest).rawBody = text;
    if (text.length === 0) {
      done(new DomainError(ErrorCode.MALFORMED_JSON, 'The request body is empty.'), undefined);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      done(new DomainError(ErrorCode.MALFORMED_JSON), undefined);
      return;
    }
    try {
      if (typeof parsed === 'object' && parsed !== null) {
        sjson.scan(parsed, { protoAction: 'error', constructorAction: 'error' });
      }
    } catch {
      done(
        new DomainError(ErrorCode.VALIDATION_FAILED, undefined, {
          details: [{ field: '__proto__', message: 'keys __proto__ and constructor.prototype are not allowed' }],
        }),
        undefined,
      );
      return;
    }
    done(null, parsed);
  });
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
    if (!request.url.startsWith(FORM_ROUTES_PREFIX)) {
      done(new DomainError(ErrorCode.UNSUPPORTED_MEDIA_TYPE), undefined);
      return;
    }
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}
