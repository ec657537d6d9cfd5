import { readFileSync, writeFileSync } from 'node:fs';
import { LeaseholdError } from './errors';
import { FetchLike, Transport } from './transport';

/** Pinned vendor public keys: keyId → PEM. Keep retired keys until what they signed has expired. */
export type PinnedKeys = Record<string, string>;

export interface PublicSigningKey {
  keyId: string;
  publicKeyPem: string;
  algorithm?: string;
  status?: string;
  createdAt?: string;
}

/**
 * Downloads a vendor's public keys once (GET /client/v1/vendors/{vendorId}/signing-keys, no
 * credentials). Do this at build time or first start and save them (`savePublicKeys`): the SDK
 * verifies with the pinned copy, never with keys fetched at run time.
 */
export async function fetchPublicKeys(
  baseUrl: string,
  vendorId: string,
  options: { fetch?: FetchLike } = {},
): Promise<PinnedKeys> {
  const transport = new Transport({ baseUrl, fetch: options.fetch });
  const { body } = await transport.json<{ data: PublicSigningKey[] }>(
    `/client/v1/vendors/${encodeURIComponent(vendorId)}/signing-keys`,
    { anonymous: true },
  );
  return toPinnedKeys(body);
}

/** The same keys through the vendor API (GET /v1/signing-keys with a vendor API key `lh_…`): no vendor id needed. */
export async function fetchPublicKeysWithApiKey(
  baseUrl: string,
  apiKey: string,
  options: { fetch?: FetchLike } = {},
): Promise<PinnedKeys> {
  const transport = new Transport({ baseUrl, token: apiKey, fetch: options.fetch });
  const { body } = await transport.json<{ data: PublicSigningKey[] }>('/v1/signing-keys');
  return toPinnedKeys(body);
}

/** `{ data: [{ keyId, publicKeyPem }] }` (the server's answer), an array of keys, or a keyId → PEM map. */
export function toPinnedKeys(value: unknown): PinnedKeys {
  const list = Array.isArray(value) ? value : (value as { data?: unknown })?.data;
  if (Array.isArray(list)) {
    const keys: PinnedKeys = {};
    for (const key of list as PublicSigningKey[]) {
      if (typeof key?.keyId !== 'string' || typeof key.publicKeyPem !== 'string') throw badKeys();
      keys[key.keyId] = key.publicKeyPem;
    }
    return keys;
  }
  if (typeof value === 'object' && value !== null && Object.values(value).every((pem) => typeof pem === 'string'))
    return { ...(value as PinnedKeys) };
  throw badKeys();
}

export function savePublicKeys(path: string, keys: PinnedKeys): void {
  writeFileSync(path, `${JSON.stringify(keys, null, 2)}\n`);
}

export function loadPublicKeys(path: string): PinnedKeys {
  return toPinnedKeys(JSON.parse(readFileSync(path, 'utf8')));
}

function badKeys(): LeaseholdError {
  return new LeaseholdError({
    code: 'USAGE',
    message: 'Public keys must be { keyId: PEM } or the signing-keys answer { data: [{ keyId, publicKeyPem }] }',
  });
}
