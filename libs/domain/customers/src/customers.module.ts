import { Module } from '@nestjs/common';
import { AuditModule } from '@leasehold/domain-audit';
import { EventsModule } from '@leasehold/domain-events';
import { IdentityModule } from '@leasehold/domain-identity';
import { CustomersRepository } from './customers.repository';
import { GroupPortalService } from './group-portal.service';
import { GroupsService } from './groups.service';
import { UsersService } from './users.service';

@Module({
  imports: [AuditModule, EventsModule, IdentityModule],
  providers: [CustomersRepository, GroupsService, UsersService, GroupPortalService],
  exports: [GroupsService, UsersService, GroupPortalService],
})
export class CustomersModule {}
