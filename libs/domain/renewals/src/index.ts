export * from './renewal-scheduler';
export * from './reschedule-renewal.subscriber';
export * from './renewals.module';
export * from './renewals.service';
export * from './renewals.types';
