import { Module } from '@nestjs/common';
import { ContainerCredentialsModule } from '@leasehold/domain-licensing';
import { VendorsModule } from '@leasehold/domain-vendors';
import { AppModule } from '../app.module';

// The portal has no vendor routes; its tests add the vendor registry to make test vendors and the
// credential look-up to check which container secret works. The fixtures they use (insertProduct,
// createEnterpriseContainer, createLicense, …) are @leasehold/testing's.
@Module({ imports: [AppModule, VendorsModule, ContainerCredentialsModule] })
export class PortalLicensingTestModule {}
