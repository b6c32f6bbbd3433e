import type { FastifyInstance } from 'fastify';
import sjson from 'secure-json-parse';
import { DomainError, ErrorCode } from '@app/domain';

/**
 * The API's only body parser. Malformed JSON is MALFORMED_JSON; a document that
 * is valid JSON but carries `__proto__` or `constructor.prototype` keys (a
 * prototype-pollution attempt) is VALIDATION_FAILED naming the key. Fastify's
 * own parser answers both alike, and its form and text parsers are not wanted.
 */
export function useJsonBodiesOnly(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
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
}
