export * from './verify-webhook-signature';
export * from './webhook-delivery-policy';
export * from './webhook-delivery.service';
export * from './webhook-endpoints.service';
export * from './webhook-signature';
export * from './webhook-url-policy';
export * from './webhooks.module';
export * from './webhooks.types';
