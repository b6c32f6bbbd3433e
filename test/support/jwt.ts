import { createHmac, createPrivateKey, type JsonWebKey, sign as signWith, type KeyObject } from 'node:crypto';
import { openPrivateKey, publicPemOf } from '../../libs/domain/src/index.js';
import type { Stack } from './stack.js';
import { TEST_KEY_ENCRYPTION_SECRET } from './test-env.js';

/**
 * A JWT signed by hand, for tokens the API must refuse or accept: HS* with a
 * secret (a string, a public key's PEM for the algorithm-confusion attack),
 * EdDSA and ES256 with a private key.
 */
export function forge(
  header: { alg: string; [field: string]: unknown },
  payload: object,
  key: string | KeyObject,
): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const body = `${encode(header)}.${encode(payload)}`;
  let signature: Buffer;
  if (header.alg.startsWith('HS')) {
    signature = createHmac(`sha${header.alg.slice(2)}`, key)
      .update(body)
      .digest();
  } else if (header.alg === 'EdDSA') {
    signature = signWith(null, Buffer.from(body), typeof key === 'string' ? createPrivateKey(key) : key);
  } else {
    signature = signWith('sha256', Buffer.from(body), {
      key: typeof key === 'string' ? createPrivateKey(key) : key,
      dsaEncoding: 'ieee-p1363',
    });
  }
  return `${body}.${signature.toString('base64url')}`;
}

/** The key that signs now in a stack's database, opened as the API opens it: to forge good tokens and bad. */
export async function signingKeyOf(
  stack: Pick<Stack, 'db'>,
): Promise<{ kid: string; alg: 'EdDSA' | 'ES256'; privatePem: string; publicPem: string }> {
  const [row] = await stack.db.query<
    Array<{ id: string; algorithm: 'EdDSA' | 'ES256'; private_key: Buffer; public_jwk: JsonWebKey }>
  >(
    `SELECT id, algorithm, private_key, public_jwk FROM signing_keys
      WHERE retired_at IS NULL AND signs_from <= now() ORDER BY signs_from DESC LIMIT 1`,
  );
  return {
    kid: row.id,
    alg: row.algorithm,
    privatePem: openPrivateKey(TEST_KEY_ENCRYPTION_SECRET, row.id, row.private_key),
    publicPem: publicPemOf(row.public_jwk),
  };
}

const part = (token: string, index: number): unknown =>
  JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString());

export const headerOf = (token: string) => part(token, 0) as { alg: string; typ: string; kid?: string };

export const claimsOf = (token: string) =>
  part(token, 1) as { sub: string; sid: string; iss: string; aud: string; exp: number; iat: number };
