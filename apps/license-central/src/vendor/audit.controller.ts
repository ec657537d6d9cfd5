import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate } from '@leasehold/auth';
import { AuditEntryView, AuditService } from '@leasehold/domain-audit';
import { Page, paginate } from '@leasehold/db';
import { VendorErrors } from '../error-responses';
import { AuditPageDto, AuditQueryDto } from './customers.dto';

@ApiTags('audit')
@Authenticate('vendor-key')
@VendorErrors()
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOkResponse({
    type: AuditPageDto,
    description: "The vendor's audit trail, oldest first: who (actor) changed what (entity), when, before/after.",
  })
  async list(@Query() query: AuditQueryDto): Promise<Page<AuditEntryView>> {
    return paginate(query, (window) => this.audit.list({ ...query, ...window }));
  }
}
