export * from './redis.module';
export * from './connection-errors';
export * from './redis-client';
