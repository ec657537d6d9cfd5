export * from './access-tokens';
export * from './account-tokens.service';
export * from './identity.module';
export * from './identity.service';
export * from './identity.types';
export * from './login-throttle';
export * from './password-hasher';
