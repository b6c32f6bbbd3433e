import { createHmac } from 'node:crypto';
import { TEST_JWT_SECRET } from './test-env.js';

/** An HS256 (or other) JWT signed by hand, for tokens the API must refuse, or accept from another key. */
export function forge(header: object, payload: object, secret = TEST_JWT_SECRET): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const body = `${encode(header)}.${encode(payload)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

const part = (token: string, index: number): unknown =>
  JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString());

export const headerOf = (token: string) => part(token, 0) as { alg: string; typ: string; kid?: string };

export const claimsOf = (token: string) =>
  part(token, 1) as { sub: string; sid: string; iss: string; aud: string; exp: number; iat: number };
