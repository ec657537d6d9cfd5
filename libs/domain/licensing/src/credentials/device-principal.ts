/** A licensed program authenticated by its container's access secret. */
export interface DevicePrincipal {
  kind: 'device';
  vendorId: string;
  containerId: string;
  /** The container's credential version the secret belongs to (raised by every reset). */
  credentialVersion: number;
}

/**
 * A well-formed container secret not yet looked up (the `device-token` method): the hot routes
 * (validate, heartbeat, release) find the secret's vendor (credential_routes) and resolve the
 * secret inside the one statement that does their work, on that vendor's rows: one database
 * round trip once the process remembers the secret's route, two before. The statement matches the
 * secret's hash against the current credentials of the vendor's containers (of an active vendor);
 * when it finds nothing, the route answers as the `device` method would (CREDENTIALS_INVALID /
 * CREDENTIALS_REVOKED / VENDOR_SUSPENDED).
 */
export interface DeviceToken {
  kind: 'device-token';
  /** SHA-256 (hex) of the presented secret, as stored in containers.credentialHash. */
  credentialHash: string;
}
