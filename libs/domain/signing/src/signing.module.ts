import { Module } from '@nestjs/common';
import { AuditModule } from '@leasehold/domain-audit';
import { SigningKeysRepository } from './signing-keys.repository';
import { SigningKeysService } from './signing-keys.service';

/** Vendors' Ed25519 signing keys: creation with the vendor, rotation, public download, signing. */
@Module({
  imports: [AuditModule],
  providers: [SigningKeysRepository, SigningKeysService],
  exports: [SigningKeysService],
})
export class SigningModule {}
