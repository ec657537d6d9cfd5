import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate } from '@leasehold/auth';
import { ApiKeysService, ApiKeyView, CreatedApiKey } from '@leasehold/domain-vendors';
import { IdParam, IdempotentWrites } from '@leasehold/http';
import { Page, paginate } from '@leasehold/db';
import { VendorErrors } from '../error-responses';
import { ApiKeyDto, ApiKeyListQueryDto, ApiKeyPageDto, CreateApiKeyDto, CreatedApiKeyDto } from './api-keys.dto';

@ApiTags('api-keys')
@Authenticate('vendor-key')
@VendorErrors()
@IdempotentWrites()
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiCreatedResponse({ type: CreatedApiKeyDto, description: 'The secret is in this answer only.' })
  create(@Body() body: CreateApiKeyDto): Promise<CreatedApiKey> {
    return this.apiKeys.create({ name: body.name, expiresAt: body.expiresAt ?? null });
  }

  @Get()
  @ApiOkResponse({ type: ApiKeyPageDto })
  async list(@Query() query: ApiKeyListQueryDto): Promise<Page<ApiKeyView>> {
    return paginate(query, (window) => this.apiKeys.list({ ...window, includeRevoked: query.includeRevoked }));
  }

  @Get(':apiKeyId')
  @ApiOkResponse({ type: ApiKeyDto })
  get(@IdParam('apiKeyId') id: string): Promise<ApiKeyView> {
    return this.apiKeys.get(id);
  }

  @Post(':apiKeyId/revoke')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: ApiKeyDto })
  @VendorErrors(409)
  revoke(@IdParam('apiKeyId') id: string): Promise<ApiKeyView> {
    return this.apiKeys.revoke(id);
  }
}
