import { applyDecorators, Header } from '@nestjs/common';

/** RFC 6749 section 5.1: an answer that carries tokens is never stored by a cache. */
export const NotCached = () => applyDecorators(Header('Cache-Control', 'no-store'), Header('Pragma', 'no-cache'));
