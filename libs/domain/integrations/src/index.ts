export * from './erp-events.schema';
export * from './inbound-events.service';
export * from './integration-secret';
export * from './integrations.module';
export * from './integrations.service';
export * from './integrations.types';
