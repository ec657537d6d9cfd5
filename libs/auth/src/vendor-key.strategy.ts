import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { HeaderBearerStrategy as Strategy } from './header-bearer.strategy';
import { TenantContext } from '@leasehold/db';
import { ApiKeysService, VendorPrincipal } from '@leasehold/domain-vendors';

/** `Authorization: Bearer lh_…`: a vendor API key. Binds the request to the key's vendor (tenant). */
@Injectable()
export class VendorKeyStrategy extends PassportStrategy(Strategy, 'vendor-key') {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly tenant: TenantContext,
  ) {
    super();
  }

  async validate(token: string): Promise<VendorPrincipal> {
    const principal = await this.apiKeys.authenticate(token);
    this.tenant.enter(principal.vendorId, { type: 'VENDOR_KEY', id: principal.apiKeyId });
    return principal;
  }
}
