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
 * (validate, heartbeat) resolve it inside the one statement that does their work, so a request
 * costs one database round trip, not two. The statement matches the secret's hash against the
 * current credentials of containers of active vendors; when it finds nothing, the route answers as
 * the `device` method would (CREDENTIALS_INVALID / CREDENTIALS_REVOKED / VENDOR_SUSPENDED).
 */
export interface DeviceToken {
  kind: 'device-token';
  /** SHA-256 (hex) of the presented secret, as stored in containers.credentialHash. */
  credentialHash: string;
}
