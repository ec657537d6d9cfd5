import { Module } from '@nestjs/common';
import { AuditModule } from '@leasehold/domain-audit';
import { SigningModule } from '@leasehold/domain-signing';
import { ApiKeysRepository } from './api-keys/api-keys.repository';
import { ApiKeysService } from './api-keys/api-keys.service';
import { VendorsRepository } from './vendors/vendors.repository';
import { VendorsService } from './vendors/vendors.service';

@Module({
  imports: [SigningModule, AuditModule],
  providers: [VendorsRepository, VendorsService, ApiKeysRepository, ApiKeysService],
  exports: [VendorsService, ApiKeysService],
})
export class VendorsModule {}
