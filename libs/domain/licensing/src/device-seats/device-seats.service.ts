import { Injectable } from '@nestjs/common';
import {
  CheckoutInput,
  EndedLeaseView,
  HeartbeatView,
  LeaseView,
  SeatCheckoutService,
  SeatsService,
} from '@leasehold/domain-seats';
import { ContainerCredentialsService } from '../credentials/container-credentials.service';
import { DevicePrincipal, DeviceToken } from '../credentials/device-principal';

/**
 * The device API's checkout, heartbeat and release for a secret not yet looked up (`device-token`), with
 * their authentication fallback here as validate's is in ValidationService: the common case is
 * the secret's vendor (credential_routes), then one statement on that vendor's rows that
 * authenticates and acts (`…ByCredential` of SeatsService and SeatCheckoutService); anything else
 * authenticates as usual (401 CREDENTIALS_INVALID / CREDENTIALS_REVOKED, 403 VENDOR_SUSPENDED) and
 * takes the general path, which answers with the precise code (404, 409, …). Here and not in the
 * seats domain because credentials are licensing's, which depends on seats.
 */
@Injectable()
export class DeviceSeatsService {
  constructor(
    private readonly seats: SeatsService,
    private readonly checkouts: SeatCheckoutService,
    private readonly credentials: ContainerCredentialsService,
  ) {}

  async heartbeat(token: DeviceToken, leaseId: string, knownRevision?: number | null): Promise<HeartbeatView> {
    const { vendorId } = await this.credentials.issuedRoute(token);
    const beat = await this.seats.heartbeatByCredential(vendorId, token.credentialHash, leaseId, knownRevision);
    if (beat) return beat;
    return this.seats.heartbeat((await this.authenticate(token)).containerId, leaseId, knownRevision);
  }

  async release(token: DeviceToken, leaseId: string, returnKey: string | null): Promise<EndedLeaseView> {
    const { vendorId } = await this.credentials.issuedRoute(token);
    const released = await this.seats.releaseByCredential(vendorId, token.credentialHash, leaseId);
    if (released) return released;
    return this.seats.release((await this.authenticate(token)).containerId, leaseId, returnKey);
  }

  /**
   * A checkout: the common one (`common`: no user token, ticket or borrow) as one statement under
   * its lock that authenticates, reads the context and claims (`checkoutByCredential`), on the
   * container the secret's route names; anything else, and a secret that statement did not accept,
   * authenticates as usual and runs `general` with the principal.
   */
  async checkout(
    token: DeviceToken,
    common: Omit<CheckoutInput, 'containerId' | 'user' | 'ticketId' | 'borrowUntil' | 'returnKeyHash'> | null,
    general: (principal: DevicePrincipal) => Promise<LeaseView>,
  ): Promise<LeaseView> {
    const route = await this.credentials.issuedRoute(token);
    if (common) {
      this.credentials.enterRoute(route);
      const lease = await this.checkouts.checkoutByCredential(
        { ...common, containerId: route.containerId },
        token.credentialHash,
      );
      if (lease) return lease;
    }
    return general(await this.authenticate(token));
  }

  private async authenticate(token: DeviceToken): Promise<DevicePrincipal> {
    return this.credentials.enter(await this.credentials.authenticateHash(token.credentialHash));
  }
}
