import { createSecretKey, type KeyObject } from 'node:crypto';
import type { AppConfig } from '@app/domain';

/**
 * The HS256 key of the access tokens, for signing (JwtModule) and verifying
 * (JwtStrategy). A KeyObject, made once at start: given the secret as a string,
 * jsonwebtoken tries (and fails) to parse it as a PEM public key on every call,
 * which cost a quarter of the API's CPU under load.
 */
export function accessTokenKey(config: AppConfig): KeyObject {
  return createSecretKey(Buffer.from(config.jwt.secret));
}
