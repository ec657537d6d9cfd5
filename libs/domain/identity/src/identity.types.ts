export type PortalUserStatus = 'INVITED' | 'ACTIVE' | 'DISABLED';
export type PortalRole = 'ADMIN' | 'MEMBER';

/** The portal caller, loaded from the database on every request (never trusted from the token alone). */
export interface PortalPrincipal {
  kind: 'portal';
  vendorId: string;
  userId: string;
  email: string;
  name: string;
  groupId: string | null;
  role: PortalRole | null;
}

/** What a successful login, refresh or invitation acceptance returns. */
export interface LoginTokens {
  tokenType: 'Bearer';
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: Date;
  user: { id: string; email: string; name: string; groupId: string | null; role: PortalRole | null };
}

/** The claims of a portal access token. */
export interface AccessTokenClaims {
  sub: string;
  /** vendor id */
  vid: string;
  /** the user's tokenVersion when the token was issued */
  tv: number;
  /**
   * The login: the refresh-token family the token was issued for. Revoking the family (reuse
   * detected, logout) ends every access token of that login at once, and only of that one.
   */
  sid: string;
}

/** A user as identity needs them to issue an invitation or reset token. */
export interface AccountRef {
  id: string;
  email: string;
  name: string;
  groupId: string | null;
}
