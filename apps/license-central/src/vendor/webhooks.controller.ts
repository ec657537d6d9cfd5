import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate } from '@leasehold/auth';
import {
  WebhookDeliveryDetail,
  WebhookDeliveryView,
  WebhookEndpointsService,
  WebhookEndpointView,
  WebhookEndpointWithSecret,
} from '@leasehold/domain-webhooks';
import { IdParam, IdempotentWrites } from '@leasehold/http';
import { Page, paginate } from '@leasehold/db';
import { VendorErrors } from '../error-responses';
import {
  CreateWebhookEndpointDto,
  UpdateWebhookEndpointDto,
  WebhookDeliveryDetailDto,
  WebhookDeliveryDto,
  WebhookDeliveryListQueryDto,
  WebhookDeliveryPageDto,
  WebhookEndpointDto,
  WebhookEndpointListQueryDto,
  WebhookEndpointPageDto,
  WebhookEndpointWithSecretDto,
} from './webhooks.dto';

@ApiTags('webhooks')
@Authenticate('vendor-key')
@VendorErrors()
@IdempotentWrites()
@Controller('v1/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(private readonly webhooks: WebhookEndpointsService) {}

  @Post()
  @ApiCreatedResponse({ type: WebhookEndpointWithSecretDto, description: 'The secret is shown only in this answer.' })
  @VendorErrors(422)
  create(@Body() body: CreateWebhookEndpointDto): Promise<WebhookEndpointWithSecret> {
    return this.webhooks.create(body);
  }

  @Get()
  @ApiOkResponse({ type: WebhookEndpointPageDto })
  async list(@Query() query: WebhookEndpointListQueryDto): Promise<Page<WebhookEndpointView>> {
    return paginate(query, (window) => this.webhooks.list({ status: query.status, ...window }));
  }

  @Get(':endpointId')
  @ApiOkResponse({ type: WebhookEndpointDto })
  get(@IdParam('endpointId') endpointId: string): Promise<WebhookEndpointView> {
    return this.webhooks.get(endpointId);
  }

  @Patch(':endpointId')
  @ApiOkResponse({ type: WebhookEndpointDto })
  @VendorErrors(422)
  update(
    @IdParam('endpointId') endpointId: string,
    @Body() body: UpdateWebhookEndpointDto,
  ): Promise<WebhookEndpointView> {
    return this.webhooks.update(endpointId, body);
  }

  @Delete(':endpointId')
  @HttpCode(204)
  @ApiNoContentResponse()
  remove(@IdParam('endpointId') endpointId: string): Promise<void> {
    return this.webhooks.remove(endpointId);
  }

  @Post(':endpointId/rotate-secret')
  @HttpCode(200)
  @ApiOkResponse({
    type: WebhookEndpointWithSecretDto,
    description: 'The new secret, shown only in this answer; it signs every attempt from now on.',
  })
  rotateSecret(@IdParam('endpointId') endpointId: string): Promise<WebhookEndpointWithSecret> {
    return this.webhooks.rotateSecret(endpointId);
  }

  @Post(':endpointId/ping')
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: WebhookDeliveryDto,
    description: 'A `webhook_endpoint.ping` event is delivered to this endpoint only, within seconds.',
  })
  @VendorErrors(409)
  ping(@IdParam('endpointId') endpointId: string): Promise<WebhookDeliveryView> {
    return this.webhooks.ping(endpointId);
  }

  @Get(':endpointId/deliveries')
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  async deliveries(
    @IdParam('endpointId') endpointId: string,
    @Query() query: WebhookDeliveryListQueryDto,
  ): Promise<Page<WebhookDeliveryView>> {
    return paginate(query, (window) => this.webhooks.listDeliveries(endpointId, { status: query.status, ...window }));
  }
}

@ApiTags('webhooks')
@Authenticate('vendor-key')
@VendorErrors()
@IdempotentWrites()
@Controller('v1/webhook-deliveries')
export class WebhookDeliveriesController {
  constructor(private readonly webhooks: WebhookEndpointsService) {}

  @Get(':deliveryId')
  @ApiOkResponse({ type: WebhookDeliveryDetailDto })
  get(@IdParam('deliveryId') deliveryId: string): Promise<WebhookDeliveryDetail> {
    return this.webhooks.getDelivery(deliveryId);
  }

  @Post(':deliveryId/redeliver')
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: WebhookDeliveryDto,
    description: 'Due now, from the start of the retry schedule; the worker sends it within seconds.',
  })
  @VendorErrors(409)
  redeliver(@IdParam('deliveryId') deliveryId: string): Promise<WebhookDeliveryView> {
    return this.webhooks.redeliver(deliveryId);
  }
}
