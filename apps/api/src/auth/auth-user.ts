/** A verified access token: whose it is and which session it belongs to. Not yet checked against the database. */
export interface TokenHolder {
  id: string;
  sessionId: string;
}

/** Who is calling, after the session was found live and the user present; or an API key acting as an admin. */
export interface AuthUser extends TokenHolder {
  phoneNumber: string;
  isAdmin: boolean;
  /** When the session signed in (with a code): a phone change needs a recent one. */
  signedInAt?: Date;
  /** Set for an API key's caller, whose `id` and `sessionId` are API_KEY_CALLER_ID: no user has it. */
  apiKey?: { id: string; name: string };
}

/** The user id of an API key's caller: a UUID no user has, so `me` and "the user themself" find nobody. */
export const API_KEY_CALLER_ID = '00000000-0000-0000-0000-000000000000';

/** The claims of our access tokens beyond the registered ones (iss, aud, exp, iat). */
export interface AccessTokenClaims {
  sub: string;
  sid: string;
}
