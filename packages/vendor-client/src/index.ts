// @leasehold/vendor-client: the vendor API (/v1) and the operator API, typed from the exported
// OpenAPI document (generated/license-central.ts, by openapi-typescript) and called with
// openapi-fetch. Every path, parameter, body and answer is checked by the compiler:
//
//   const leasehold = createVendorClient({ baseUrl: 'https://licensing.example.com', apiKey: process.env.LEASEHOLD_KEY! });
//   const { data, error } = await leasehold.POST('/v1/products', { body: { code: 'cargo-office', name: 'Cargo Office' } });
//   if (error) console.error(error.error.code); else console.log(data.id);
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './generated/license-central';

export type { components, operations, paths };
export type Schemas = components['schemas'];
export type ErrorResponse = Schemas['ErrorResponse'];
export type ErrorCode = ErrorResponse['error']['code'];
export type LeaseholdVendorClient = Client<paths>;

export interface VendorClientOptions extends Omit<ClientOptions, 'baseUrl' | 'headers'> {
  /** license-central's base URL. */
  baseUrl: string;
  /** A vendor API key (`lh_…`), or the operator token for `/operator/v1`. */
  apiKey: string;
  headers?: Record<string, string>;
}

export function createVendorClient(options: VendorClientOptions): LeaseholdVendorClient {
  const { apiKey, headers, baseUrl, ...rest } = options;
  return createClient<paths>({
    ...rest,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: { Authorization: `Bearer ${apiKey}`, ...headers },
  });
}

/** A fresh key for `Idempotency-Key` (send the same one when you retry the same call). */
export function idempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}
