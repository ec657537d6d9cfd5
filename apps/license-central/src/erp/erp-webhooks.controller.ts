import { Body, Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiHeader, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import { InboundEventsService, InboundReceipt } from '@leasehold/domain-integrations';
import { HandlesOwnIdempotency, IdParam, Public } from '@leasehold/http';
import { InboundReceiptDto } from '../vendor/integrations.dto';

const ref = { $ref: '#/components/schemas/ErrorResponse' };

/**
 * Inbound ERP/CRM events. Public (no API key): each request is authenticated by its HMAC signature
 * under the integration's secret, over the raw body as received. See docs/erp-integration.md.
 */
@ApiTags('erp-webhooks')
@Public()
@HandlesOwnIdempotency()
@Controller('webhooks/erp')
export class ErpWebhooksController {
  constructor(private readonly inbound: InboundEventsService) {}

  @Post(':integrationId')
  @HttpCode(202)
  @ApiHeader({
    name: 'Leasehold-Timestamp',
    required: true,
    description: 'Unix time in seconds when the event was signed; at most 5 minutes old.',
  })
  @ApiHeader({
    name: 'Leasehold-Signature',
    required: true,
    description: '`v1=` + hex HMAC-SHA256 of "<timestamp>.<raw body>" with the integration secret.',
  })
  @ApiBody({
    description:
      'An event: `{ id, type, occurredAt?, data }`; the types and their `data` are in docs/erp-integration.md.',
    schema: { type: 'object' },
  })
  @ApiAcceptedResponse({
    type: InboundReceiptDto,
    description:
      "Stored; processed by the worker shortly. Also answered for a resend of the same event (the body's signed `id`, same content): duplicate: true. An Idempotency-Key header is ignored (it is not signed).",
  })
  @ApiResponse({
    status: 400,
    description: 'VALIDATION_FAILED (the event is stored REJECTED; `details.inboundEventId`) / MALFORMED_JSON',
    schema: ref,
  })
  @ApiResponse({ status: 401, description: 'INBOUND_SIGNATURE_INVALID / INBOUND_TIMESTAMP_REJECTED', schema: ref })
  @ApiResponse({ status: 403, description: 'INTEGRATION_DISABLED / VENDOR_SUSPENDED', schema: ref })
  @ApiResponse({
    status: 409,
    description: 'EVENT_ID_REUSED: this event id was already received with a different body',
    schema: ref,
  })
  receive(
    @IdParam('integrationId') integrationId: string,
    @Req() request: RawBodyRequest<Request>,
    @Body() body: Record<string, unknown>,
    @Headers('leasehold-timestamp') timestamp: string | undefined,
    @Headers('leasehold-signature') signature: string | undefined,
  ): Promise<InboundReceipt> {
    return this.inbound.receive({ integrationId, timestamp, signature, rawBody: request.rawBody, body });
  }
}
