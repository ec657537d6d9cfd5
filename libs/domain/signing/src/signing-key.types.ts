/** A vendor's public signing key, as programs download it. */
export interface PublicSigningKeyView {
  keyId: string;
  algorithm: 'Ed25519';
  publicKeyPem: string;
  createdAt: Date;
  /** Set once rotated out: no longer signs, still verifies what it signed. */
  retiredAt: Date | null;
}

/** The current key's encrypted private half, as the signing path reads it. */
export interface EncryptedSigningKey {
  vendorId: string;
  keyId: string;
  encryptedPrivateKey: string;
}
