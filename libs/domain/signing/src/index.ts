export * from './private-key-cipher';
export * from './signing-key.types';
export * from './signing-keys.service';
export * from './signing.module';
