/** A verified access token: whose it is and which session it belongs to. Not yet checked against the database. */
export interface TokenHolder {
  id: string;
  sessionId: string;
}

/** Who is calling, after the session was found live and the user present. */
export interface AuthUser extends TokenHolder {
  phoneNumber: string;
  isAdmin: boolean;
}

/** The claims of our access tokens beyond the registered ones (iss, aud, exp, iat). */
export interface AccessTokenClaims {
  sub: string;
  sid: string;
}
