// @leasehold/client: the licensed program's SDK (docs/sdk.md). Node 20+, no dependencies beyond
// fetch and node:crypto. The offline verifier (license files, offline codes) is re-exported.
export * from './client';
export * from './clock-guard';
export * from './errors';
export * from './fingerprint';
export * from './keys';
export * from './lease';
export * from './return-key';
export * from './storage';
export * from './updates';
export type * from './wire';
export { Transport, errorFromAnswer, retryAfterHeader } from './transport';
export type { FetchLike } from './transport';
export * from '@leasehold/license-file';
