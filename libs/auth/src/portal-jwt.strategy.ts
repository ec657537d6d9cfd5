import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { HeaderBearerStrategy as Strategy } from './header-bearer.strategy';
import { TenantContext } from '@leasehold/db';
import { IdentityService, PortalPrincipal } from '@leasehold/domain-identity';

/**
 * `Authorization: Bearer <access token>` on the portal. The token's signature and expiry are not
 * enough: the user is loaded on every request and refused (TOKEN_REVOKED) once removed from their
 * group, disabled, or their tokenVersion moved on. Binds the request to the user's vendor.
 */
@Injectable()
export class PortalJwtStrategy extends PassportStrategy(Strategy, 'portal-jwt') {
  constructor(
    private readonly identity: IdentityService,
    private readonly tenant: TenantContext,
  ) {
    super();
  }

  async validate(token: string): Promise<PortalPrincipal> {
    const principal = await this.identity.authenticate(token);
    this.tenant.enter(principal.vendorId, { type: 'PORTAL_USER', id: principal.userId });
    return principal;
  }
}
