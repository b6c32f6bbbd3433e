/** Who is calling: attached to the request by the JWT strategy. */
export interface AuthUser {
  id: string;
  sessionId: string;
  phoneNumber: string;
  isAdmin: boolean;
}

/** The claims of our access tokens beyond the registered ones (iss, aud, exp, iat). */
export interface AccessTokenClaims {
  sub: string;
  sid: string;
}
