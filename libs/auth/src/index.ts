export * from './auth.decorators';
export * from './auth.module';
export * from './authentication.guard';
export * from './device.strategy';
export * from './operator.strategy';
export * from './portal-jwt.strategy';
export * from './header-bearer.strategy';
export * from './request-rate-limits';
