export * from './config.module';
export * from './config.schema';
export * from './redis-target';
