export * from './domain-event.types';
export * from './events.module';
export * from './outbox.repository';
