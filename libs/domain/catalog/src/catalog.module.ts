import { Module } from '@nestjs/common';
import { AuditModule } from '@leasehold/domain-audit';
import { CatalogRepository } from './catalog.repository';
import { CatalogService } from './catalog.service';

@Module({ imports: [AuditModule], providers: [CatalogRepository, CatalogService], exports: [CatalogService] })
export class CatalogModule {}
