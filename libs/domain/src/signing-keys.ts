import {
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  type JsonWebKey,
} from 'node:crypto';
import { keyIdOf, KEY_ID_BYTES } from './keys.js';

export type SigningAlgorithm = 'EdDSA' | 'ES256';

/** A key pair that signs access tokens: its id (`kid`), its public half as a JWK and its private half in PEM. */
export interface NewSigningKey {
  id: string;
  algorithm: SigningAlgorithm;
  publicJwk: JsonWebKey;
  privatePem: string;
}

/** A fresh key pair: Ed25519 for EdDSA, P-256 for ES256; a random id of 16 hex digits. */
export function newSigningKey(algorithm: SigningAlgorithm): NewSigningKey {
  const { publicKey, privateKey } =
    algorithm === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  // Hex: a command line reads it as a word, never as an option (a base64url id may start with '-').
  const id = randomBytes(8).toString('hex');
  return {
    id,
    algorithm,
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid: id, alg: algorithm, use: 'sig' },
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** The PEM of a JWK's public key, as a verifier takes it. */
export function publicPemOf(jwk: JsonWebKey): string {
  const { kid: _kid, alg: _alg, use: _use, ...key } = jwk as JsonWebKey & { kid?: string; alg?: string; use?: string };
  return createPublicKey({ key, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
}

function sealingKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'referral-service', 'signing-key-seal-v1', 32));
}

/**
 * A private key sealed for PostgreSQL: `kek id | iv | tag | ciphertext`,
 * AES-256-GCM under a key derived from KEY_ENCRYPTION_SECRET, the key's own id
 * as associated data (a box moved to another row does not open).
 */
export function sealPrivateKey(secret: string, keyId: string, privatePem: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(secret), iv);
  cipher.setAAD(Buffer.from(keyId));
  const ciphertext = Buffer.concat([cipher.update(privatePem), cipher.final()]);
  return Buffer.concat([keyIdOf(secret), iv, cipher.getAuthTag(), ciphertext]);
}

/** Opens a sealed private key; throws, naming the cause, for another secret or an altered box. */
export function openPrivateKey(secret: string, keyId: string, sealed: Buffer): string {
  const kek = sealed.subarray(0, KEY_ID_BYTES);
  if (!kek.equals(keyIdOf(secret))) {
    throw new Error(
      `signing key ${keyId} was sealed with another KEY_ENCRYPTION_SECRET (id ${kek.toString('base64url')})`,
    );
  }
  const iv = sealed.subarray(KEY_ID_BYTES, KEY_ID_BYTES + 12);
  const tag = sealed.subarray(KEY_ID_BYTES + 12, KEY_ID_BYTES + 28);
  const decipher = createDecipheriv('aes-256-gcm', sealingKey(secret), iv);
  decipher.setAAD(Buffer.from(keyId));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(KEY_ID_BYTES + 28)), decipher.final()]).toString();
}
