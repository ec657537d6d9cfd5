import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { HeaderBearerStrategy as Strategy } from './header-bearer.strategy';
import { ContainerCredentialsService, DevicePrincipal, DeviceToken } from '@leasehold/domain-licensing';

/**
 * `Authorization: Bearer lhc_…`: a container's access secret, presented by the licensed program.
 * Binds the request to the container's vendor, acting as DEVICE (actor id = the container).
 */
@Injectable()
export class DeviceStrategy extends PassportStrategy(Strategy, 'device') {
  constructor(private readonly credentials: ContainerCredentialsService) {
    super();
  }

  async validate(token: string): Promise<DevicePrincipal> {
    return this.credentials.enter(await this.credentials.authenticate(token));
  }
}

/**
 * The same secret for the hot routes (validate, heartbeat), checked for form only here: the route
 * looks it up in the statement that does its work and answers exactly as `device` would when the
 * secret is unknown, reset or its vendor suspended (see `DeviceToken`).
 */
@Injectable()
export class DeviceTokenStrategy extends PassportStrategy(Strategy, 'device-token') {
  constructor(private readonly credentials: ContainerCredentialsService) {
    super();
  }

  validate(token: string): DeviceToken {
    return this.credentials.parse(token);
  }
}
