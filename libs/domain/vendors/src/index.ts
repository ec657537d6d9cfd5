export * from './api-keys/api-key.types';
export * from './api-keys/api-key-secret';
export * from './api-keys/api-keys.service';
export * from './vendors.module';
export * from './vendors/vendor.types';
export * from './vendors/vendors.service';
