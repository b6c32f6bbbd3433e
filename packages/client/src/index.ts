import createFetchClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type { components, paths };

/** The API's answer bodies and request bodies, by their schema names (`Schemas['SignedInDto']`). */
export type Schemas = components['schemas'];

/** The service's error body, whatever answered (`error` is one of the closed list of codes). */
export type ErrorBody = Schemas['ErrorBodyDto'];

export type ReferralClient = Client<paths>;

/**
 * A client of one deployment: `baseUrl` is its origin (`https://api.example.com`), the paths are the
 * document's (`/api/v1/auth/signup`), and every request and answer is typed from the document.
 */
export function createClient(baseUrl: string, options: Omit<ClientOptions, 'baseUrl'> = {}): ReferralClient {
  return createFetchClient<paths>({ ...options, baseUrl });
}

/** The Authorization header of a signed-in person's requests. */
export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}
