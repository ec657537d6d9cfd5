export * from './domain-event.types';
export * from './events.module';
export * from './outbox.repository';
export * from './outbox-subscriber';
export * from './sealed-secrets';
