import { Injectable } from '@nestjs/common';
import { TenantContext } from '@leasehold/db';
import { DomainError } from '@leasehold/errors';
import { hashContainerSecret, isWellFormedContainerSecret } from './container-secret';
import { ContainerCredentialsRepository, CredentialRecord, CredentialRoute } from './container-credentials.repository';
import { DevicePrincipal, DeviceToken } from './device-principal';

// A container's access secret authenticates the licensed program. Only the current secret works:
// a reset replaces the stored hash in the same transaction that files the old one as retired, so
// the old secret fails from the moment the reset commits (on every replica; nothing is cached).

@Injectable()
export class ContainerCredentialsService {
  constructor(
    private readonly credentials: ContainerCredentialsRepository,
    private readonly tenant: TenantContext,
  ) {}

  /** Looks the secret up: its container, or the error a program must see. Binds nothing. */
  async authenticate(token: string): Promise<DevicePrincipal> {
    return this.authenticateHash(this.parse(token).credentialHash);
  }

  /** The `device-token` method: checks the secret's form only; no database access. */
  parse(token: string): DeviceToken {
    if (!isWellFormedContainerSecret(token))
      throw new DomainError('CREDENTIALS_INVALID', 'The container credentials are malformed');
    return { kind: 'device-token', credentialHash: hashContainerSecret(token) };
  }

  /** Looks a secret's hash up; an unknown or reset one, or one of a suspended vendor, throws. */
  async authenticateHash(credentialHash: string): Promise<DevicePrincipal> {
    const route = await this.credentials.routeOf(credentialHash);
    const record = route && (await this.credentials.findOnRoute(route, credentialHash));
    if (!record) return this.rejectUnknown(credentialHash, route);
    return this.principalOf(record);
  }

  /**
   * The vendor and container a secret was issued for (remembered per process; a route never
   * changes), for the hot routes' one statement, which names the vendor (so it runs on that
   * vendor's shard alone) and authenticates itself. A hash without a route was never issued: 401
   * CREDENTIALS_INVALID at once, with no second read (a reset secret keeps its route). Authenticates nothing.
   */
  async issuedRoute(token: DeviceToken): Promise<CredentialRoute> {
    const route = await this.credentials.routeOf(token.credentialHash);
    return route ?? this.rejectUnknown(token.credentialHash, null);
  }

  /**
   * Binds the request to a route's vendor, acting as DEVICE (its container), before the secret is
   * looked up, for a statement that authenticates itself (it names the container and the hash).
   */
  enterRoute(route: CredentialRoute): void {
    this.tenant.enter(route.vendorId, { type: 'DEVICE', id: route.containerId });
  }

  /** The same by the secret's SHA-256 (the rate limits' key), from the same per-process route cache. */
  async vendorOfHash(credentialHash: string): Promise<string | null> {
    return (await this.credentials.routeOf(credentialHash))?.vendorId ?? null;
  }

  /** The principal of a credential found by a statement (a vendor that is not active is refused). */
  principalOf(record: CredentialRecord): DevicePrincipal {
    if (record.vendorStatus !== 'ACTIVE') throw new DomainError('VENDOR_SUSPENDED', 'The vendor account is suspended');
    return {
      kind: 'device',
      vendorId: record.vendorId,
      containerId: record.containerId,
      credentialVersion: record.credentialVersion,
    };
  }

  /** Binds the current request to the principal's vendor, acting as DEVICE (actor id = the container). */
  enter(principal: DevicePrincipal): DevicePrincipal {
    this.tenant.enter(principal.vendorId, { type: 'DEVICE', id: principal.containerId });
    return principal;
  }

  /**
   * The error for a hash that matches no current secret: reset (REVOKED) or never issued (INVALID).
   * `route`: the hash's route as the caller read it (null: none, so never issued; a reset secret
   * keeps its route).
   */
  async rejectUnknown(credentialHash: string, route: CredentialRoute | null): Promise<never> {
    if (route && (await this.credentials.isRetired(route, credentialHash))) {
      throw new DomainError(
        'CREDENTIALS_REVOKED',
        'These container credentials were reset; re-link the device with the new secret',
      );
    }
    throw new DomainError('CREDENTIALS_INVALID', 'The container credentials are not known');
  }
}
