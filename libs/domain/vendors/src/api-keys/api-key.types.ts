export interface ApiKeyView {
  id: string;
  name: string;
  /** The public part of the key, shown in listings: `lh_<prefix>_…`. */
  prefix: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
}

/** Returned once, at creation: the only time the secret is visible. */
export interface CreatedApiKey extends ApiKeyView {
  secret: string;
}

export interface VendorPrincipal {
  kind: 'vendor';
  vendorId: string;
  apiKeyId: string;
}
