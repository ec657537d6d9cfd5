import { Module } from '@nestjs/common';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { DEFAULT_WEBHOOK_DELIVERY_POLICY, WEBHOOK_DELIVERY_POLICY } from './webhook-delivery-policy';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhookSender } from './webhook-sender';

/** Needs the global DbModule, ConfigModule, AuditModule and EventsModule. */
@Module({
  providers: [
    WebhookEndpointsRepository,
    WebhookEndpointsService,
    WebhookDeliveriesRepository,
    WebhookDeliveryService,
    WebhookSender,
    { provide: WEBHOOK_DELIVERY_POLICY, useValue: DEFAULT_WEBHOOK_DELIVERY_POLICY },
  ],
  exports: [WebhookEndpointsService, WebhookDeliveryService, WEBHOOK_DELIVERY_POLICY],
})
export class WebhooksModule {}
