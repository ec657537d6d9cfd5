export * from './renewal-scheduler';
export * from './renewals.module';
export * from './renewals.service';
export * from './renewals.types';
