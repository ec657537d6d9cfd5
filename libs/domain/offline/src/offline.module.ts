import { Module } from '@nestjs/common';
import { LicensingModule } from '@leasehold/domain-licensing';
import { SeatsModule } from '@leasehold/domain-seats';
import { SigningModule } from '@leasehold/domain-signing';
import { LicenseFileRepository } from './license-file.repository';
import { LicenseFileService } from './license-file.service';
import { OfflineActivationService } from './offline-activation.service';
import { OfflineRequestRepository } from './offline-request.repository';

/**
 * Licensing without a connection: signed license files for devices that hold a license, and
 * offline activation, borrowing and release by code exchange, each code single-use.
 */
@Module({
  imports: [LicensingModule, SeatsModule, SigningModule],
  providers: [LicenseFileRepository, LicenseFileService, OfflineRequestRepository, OfflineActivationService],
  exports: [LicenseFileService, OfflineActivationService],
})
export class OfflineModule {}
