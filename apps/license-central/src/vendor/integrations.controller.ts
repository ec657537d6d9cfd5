import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate } from '@leasehold/auth';
import {
  InboundEventView,
  IntegrationsService,
  IntegrationView,
  IntegrationWithSecret,
} from '@leasehold/domain-integrations';
import { IdParam, IdempotentWrites } from '@leasehold/http';
import { Page, PageQueryDto, paginate } from '@leasehold/db';
import { VendorErrors } from '../error-responses';
import {
  CreateIntegrationDto,
  InboundEventDto,
  InboundEventListQueryDto,
  InboundEventPageDto,
  IntegrationDto,
  IntegrationPageDto,
  IntegrationWithSecretDto,
  UpdateIntegrationDto,
} from './integrations.dto';

@ApiTags('integrations')
@Authenticate('vendor-key')
@VendorErrors()
@IdempotentWrites()
@Controller('v1/integrations')
export class IntegrationsController {
  constructor(private readonly integrations: IntegrationsService) {}

  @Post()
  @ApiCreatedResponse({ type: IntegrationWithSecretDto, description: 'The secret is in this answer only.' })
  create(@Body() body: CreateIntegrationDto): Promise<IntegrationWithSecret> {
    return this.integrations.create(body);
  }

  @Get()
  @ApiOkResponse({ type: IntegrationPageDto })
  async list(@Query() query: PageQueryDto): Promise<Page<IntegrationView>> {
    return paginate(query, (window) => this.integrations.list(window));
  }

  @Get(':integrationId')
  @ApiOkResponse({ type: IntegrationDto })
  get(@IdParam('integrationId') integrationId: string): Promise<IntegrationView> {
    return this.integrations.get(integrationId);
  }

  @Patch(':integrationId')
  @ApiOkResponse({ type: IntegrationDto })
  update(
    @IdParam('integrationId') integrationId: string,
    @Body() body: UpdateIntegrationDto,
  ): Promise<IntegrationView> {
    return this.integrations.update(integrationId, body);
  }

  @Post(':integrationId/rotate-secret')
  @HttpCode(200)
  @ApiOkResponse({
    type: IntegrationWithSecretDto,
    description: 'The new secret, in this answer only; the old one stops working at once.',
  })
  rotateSecret(@IdParam('integrationId') integrationId: string): Promise<IntegrationWithSecret> {
    return this.integrations.rotateSecret(integrationId);
  }

  @Get(':integrationId/events')
  @ApiOkResponse({ type: InboundEventPageDto, description: 'Received events, oldest first, rejected ones included.' })
  async listEvents(
    @IdParam('integrationId') integrationId: string,
    @Query() query: InboundEventListQueryDto,
  ): Promise<Page<InboundEventView>> {
    return paginate(query, (window) =>
      this.integrations.listEvents(integrationId, { status: query.status, ...window }),
    );
  }

  @Get(':integrationId/events/:eventId')
  @ApiOkResponse({ type: InboundEventDto })
  getEvent(
    @IdParam('integrationId') integrationId: string,
    @IdParam('eventId') eventId: string,
  ): Promise<InboundEventView> {
    return this.integrations.getEvent(integrationId, eventId);
  }
}
