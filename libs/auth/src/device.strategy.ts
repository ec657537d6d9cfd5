import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import { TenantContext } from '@leasehold/db';
import { ContainerCredentialsService, DevicePrincipal } from '@leasehold/domain-licensing';

/**
 * `Authorization: Bearer lhc_…`: a container's access secret, presented by the licensed program.
 * Binds the request to the container's vendor, acting as DEVICE (actor id = the container).
 */
@Injectable()
export class DeviceStrategy extends PassportStrategy(Strategy, 'device') {
  constructor(
    private readonly credentials: ContainerCredentialsService,
    private readonly tenant: TenantContext,
  ) {
    super();
  }

  async validate(token: string): Promise<DevicePrincipal> {
    const principal = await this.credentials.authenticate(token);
    this.tenant.enter(principal.vendorId, { type: 'DEVICE', id: principal.containerId });
    return principal;
  }
}
