import { Injectable } from '@nestjs/common';
import { TenantContext } from '@leasehold/db';
import { ContainersService } from './containers/containers.service';

// Reactions of the licensing domain to events of other domains (called by the worker's outbox
// relay). Each is idempotent: handling an event twice has the effect of handling it once.

@Injectable()
export class LicensingService {
  constructor(
    private readonly tenant: TenantContext,
    private readonly containers: ContainersService,
  ) {}

  /**
   * `user.removed`: the user's personal containers stop validating (USER_REMOVED) and accept no
   * activations. Returns the containers it revoked now (none when run again).
   */
  onUserRemoved(vendorId: string, userId: string): Promise<string[]> {
    return this.tenant.run(vendorId, () => this.containers.revokeAccessOfUser(userId));
  }
}
