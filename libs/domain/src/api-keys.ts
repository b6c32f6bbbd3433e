import { createHash, randomBytes } from 'node:crypto';

/** What an API key may do: each admin route names the scope a key needs (SPEC section 12). */
export const API_KEY_SCOPES = [
  'users:read',
  'users:write',
  'events:admin',
  'referrals:read',
  'referrals:write',
  'referrals:review',
  'rewards:write',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export function isApiKeyScope(value: string): value is ApiKeyScope {
  return (API_KEY_SCOPES as readonly string[]).includes(value);
}

/** Every key starts with it, so a scanner (or a person) recognises one in a log or a repository. */
export const API_KEY_PREFIX = 'rfk_';
const KEY = /^rfk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** A new key: `rfk_<16 hex id>_<256 random bits, base64url>`; only `secretHash` is kept. */
export function newApiKey(): { keyId: string; token: string; secretHash: Buffer } {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, token: `${API_KEY_PREFIX}${keyId}_${secret}`, secretHash: apiKeySecretHash(secret) };
}

/**
 * A presented key's id and the hash of its secret; null for anything not
 * shaped like one. SHA-256 is enough: the secret is 256 random bits, not a
 * password, so nothing is gained by a slow hash.
 */
export function parseApiKey(token: string): { keyId: string; secretHash: Buffer } | null {
  const match = KEY.exec(token);
  return match ? { keyId: match[1], secretHash: apiKeySecretHash(match[2]) } : null;
}

function apiKeySecretHash(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}
