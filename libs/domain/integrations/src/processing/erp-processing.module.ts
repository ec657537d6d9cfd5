import { Module } from '@nestjs/common';
import { CatalogModule } from '@leasehold/domain-catalog';
import { CustomersModule } from '@leasehold/domain-customers';
import { LicensingModule } from '@leasehold/domain-licensing';
import { RenewalsModule } from '@leasehold/domain-renewals';
import { IntegrationsRepository } from '../integrations.repository';
import { ErpCustomers } from './erp-customers';
import { ErpOrders } from './erp-orders';
import { ProcessInboundEventUseCase } from './process-inbound-event.usecase';

/**
 * Processing of stored ERP/CRM events (the worker's): each event applied in one transaction
 * through the customers, licensing, catalogue and renewals services. Kept apart from
 * IntegrationsModule so the intake (license-central) does not load the domains it writes to.
 */
@Module({
  imports: [CustomersModule, LicensingModule, CatalogModule, RenewalsModule],
  providers: [IntegrationsRepository, ErpCustomers, ErpOrders, ProcessInboundEventUseCase],
  exports: [ProcessInboundEventUseCase],
})
export class ErpProcessingModule {}
