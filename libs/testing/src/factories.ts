import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { CreatedApiKey, VendorsService, VendorView } from '@leasehold/domain-vendors';

export interface TestVendor {
  vendor: VendorView;
  apiKey: CreatedApiKey;
  /** `{ Authorization: 'Bearer lh_…' }` */
  auth: { Authorization: string };
}

/** A fresh vendor with its first API key, made through the real domain service. */
export async function createVendor(app: INestApplication, name = 'Test Vendor'): Promise<TestVendor> {
  const slug = `v-${randomUUID().slice(0, 8)}`;
  const { vendor, apiKey } = await app.get(VendorsService).create({ slug, name });
  return { vendor, apiKey, auth: { Authorization: `Bearer ${apiKey.secret}` } };
}

export function uniqueCode(prefix = 'code'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
