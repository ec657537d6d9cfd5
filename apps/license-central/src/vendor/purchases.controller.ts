import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate } from '@leasehold/auth';
import { PurchasesService, PurchaseView } from '@leasehold/domain-licensing';
import { IdParam, IdempotentWrites } from '@leasehold/http';
import { Page, paginate } from '@leasehold/db';
import { VendorErrors } from '../error-responses';
import { CreatePurchaseDto, PurchaseDto, PurchaseListQueryDto, PurchasePageDto } from './licenses.dto';

@ApiTags('purchases')
@Authenticate('vendor-key')
@VendorErrors()
@IdempotentWrites()
@Controller('v1/purchases')
export class PurchasesController {
  constructor(private readonly purchases: PurchasesService) {}

  @Post()
  @ApiCreatedResponse({ type: PurchaseDto })
  @VendorErrors(409)
  create(@Body() body: CreatePurchaseDto): Promise<PurchaseView> {
    return this.purchases.create(body);
  }

  @Get()
  @ApiOkResponse({ type: PurchasePageDto })
  async list(@Query() query: PurchaseListQueryDto): Promise<Page<PurchaseView>> {
    return paginate(query, (window) =>
      this.purchases.list({ groupId: query.groupId, productId: query.productId, ...window }),
    );
  }

  @Get(':purchaseId')
  @ApiOkResponse({ type: PurchaseDto })
  get(@IdParam('purchaseId') purchaseId: string): Promise<PurchaseView> {
    return this.purchases.get(purchaseId);
  }
}
