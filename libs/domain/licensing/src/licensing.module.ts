import { Module } from '@nestjs/common';
import { AuditModule } from '@leasehold/domain-audit';
import { EventsModule } from '@leasehold/domain-events';
import { SeatsModule } from '@leasehold/domain-seats';
import { SigningModule } from '@leasehold/domain-signing';
import { UpdatesModule } from '@leasehold/domain-updates';
import { ContainerCredentialsModule } from './credentials/container-credentials.module';
import { ContainersRepository } from './containers/containers.repository';
import { ContainersService } from './containers/containers.service';
import { GroupBorrowingRepository } from './containers/group-borrowing.repository';
import { GroupBorrowingService } from './containers/group-borrowing.service';
import { RevokeAccessOfRemovedUser } from './containers/revoke-access-of-removed-user.subscriber';
import { DeviceSeatsService } from './device-seats/device-seats.service';
import { DeviceSlotsService } from './devices/device-slots.service';
import { DevicesRepository } from './devices/devices.repository';
import { DevicesService } from './devices/devices.service';
import { OfflineDevicesService } from './devices/offline-devices.service';
import { LicensesRepository } from './licenses/licenses.repository';
import { LicensesService } from './licenses/licenses.service';
import { PurchaseSplitRepository } from './purchases/purchase-split.repository';
import { PurchaseSplitService } from './purchases/purchase-split.service';
import { PurchasesRepository } from './purchases/purchases.repository';
import { PurchasesService } from './purchases/purchases.service';
import { ValidationRepository } from './validation/validation.repository';
import { ValidationService } from './validation/validation.service';

/**
 * Containers, their credentials, licenses, purchases, devices and validation. Owns the device
 * limit, the churn limit and the purchase split; seats (checkout, leases) are the seats domain's.
 */
@Module({
  imports: [AuditModule, EventsModule, SigningModule, SeatsModule, UpdatesModule, ContainerCredentialsModule],
  providers: [
    ContainersRepository,
    ContainersService,
    LicensesRepository,
    LicensesService,
    PurchasesRepository,
    PurchasesService,
    PurchaseSplitRepository,
    PurchaseSplitService,
    GroupBorrowingRepository,
    GroupBorrowingService,
    DevicesRepository,
    DeviceSlotsService,
    DevicesService,
    OfflineDevicesService,
    ValidationRepository,
    ValidationService,
    DeviceSeatsService,
    RevokeAccessOfRemovedUser,
  ],
  exports: [
    ContainerCredentialsModule,
    ContainersService,
    GroupBorrowingService,
    LicensesService,
    PurchasesService,
    PurchaseSplitService,
    DevicesService,
    OfflineDevicesService,
    ValidationService,
    DeviceSeatsService,
  ],
})
export class LicensingModule {}
