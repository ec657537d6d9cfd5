/** A licensed program authenticated by its container's access secret. */
export interface DevicePrincipal {
  kind: 'device';
  vendorId: string;
  containerId: string;
  /** The container's credential version the secret belongs to (raised by every reset). */
  credentialVersion: number;
}
