import { Body, Controller, Get, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate } from '@leasehold/auth';
import { CreatedApiKey, VendorsService, VendorView } from '@leasehold/domain-vendors';
import { IdParam, IdempotentWrites } from '@leasehold/http';
import { Page, PageQueryDto, paginate } from '@leasehold/db';
import { VendorErrors } from '../error-responses';
import {
  CreatedVendorDto,
  CreateVendorDto,
  SetVendorLimitsDto,
  SetVendorStatusDto,
  VendorDto,
  VendorPageDto,
} from './vendors.dto';

/** The platform operator's vendor registry (`Authorization: Bearer <OPERATOR_TOKEN>`). */
@ApiTags('operator')
@Authenticate('operator')
@VendorErrors()
@IdempotentWrites()
@Controller('operator/v1/vendors')
export class VendorsController {
  constructor(private readonly vendors: VendorsService) {}

  @Post()
  @ApiCreatedResponse({
    type: CreatedVendorDto,
    description: "The vendor and its first API key (the key's secret is shown only here).",
  })
  @VendorErrors(409)
  create(@Body() body: CreateVendorDto): Promise<{ vendor: VendorView; apiKey: CreatedApiKey }> {
    return this.vendors.create(body);
  }

  @Get()
  @ApiOkResponse({ type: VendorPageDto })
  async list(@Query() query: PageQueryDto): Promise<Page<VendorView>> {
    return paginate(query, (window) => this.vendors.list(window));
  }

  @Get(':vendorId')
  @ApiOkResponse({ type: VendorDto })
  get(@IdParam('vendorId') id: string): Promise<VendorView> {
    return this.vendors.get(id);
  }

  @Patch(':vendorId/status')
  @ApiOkResponse({
    type: VendorDto,
    description: "Suspend or re-activate a vendor; a suspended vendor's keys answer VENDOR_SUSPENDED.",
  })
  setStatus(@IdParam('vendorId') id: string, @Body() body: SetVendorStatusDto): Promise<VendorView> {
    return this.vendors.setStatus(id, body.status);
  }

  @Patch(':vendorId/limits')
  @ApiOkResponse({
    type: VendorDto,
    description:
      "Sets the vendor's plan: rate limits that replace the installation's defaults (null: back to the default). " +
      'Running processes pick a change up within a minute. See docs/licensing.md, "Rate limits".',
  })
  setLimits(@IdParam('vendorId') id: string, @Body() body: SetVendorLimitsDto): Promise<VendorView> {
    const limits = Object.fromEntries(
      (['apiRequestsPerMinute', 'deviceRequestsPerMinute', 'updateStreamsPerContainer'] as const)
        .filter((k) => body[k] !== undefined)
        .map((k) => [k, body[k]]),
    );
    return this.vendors.setLimits(id, limits);
  }
}
