import { NestFactory } from '@nestjs/core';
import { PrismaService, TenantContext } from '@leasehold/db';
import { CatalogService } from '@leasehold/domain-catalog';
import { ApiKeysService, VendorsService } from '@leasehold/domain-vendors';
import { AppModule } from '../apps/license-central/src/app.module';

export const DEMO_VENDOR_SLUG = 'demo';
const DEMO_KEY_NAME = 'demo key (npm start)';

/**
 * Creates the demo vendor with one product (once), and a fresh API key on every run: only key
 * hashes are stored, so the only way to print a working key is to make a new one. Earlier demo
 * keys are revoked so they do not pile up.
 */
export async function seedDemo(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error'] });
  try {
    const prisma = app.get(PrismaService);
    const tenant = app.get(TenantContext);
    let vendor = await prisma.vendor.findUnique({ where: { slug: DEMO_VENDOR_SLUG } });
    if (!vendor) {
      const created = await app.get(VendorsService).create({ slug: DEMO_VENDOR_SLUG, name: 'Demo Software Ltd', firstApiKeyName: 'initial' });
      vendor = await prisma.vendor.findUniqueOrThrow({ where: { id: created.vendor.id } });
    }
    const vendorId = vendor.id;
    const apiKey = await tenant.run(vendorId, async () => {
      const catalog = app.get(CatalogService);
      const products = await catalog.listProducts({ search: 'demo-app', take: 1 });
      if (!products.length) {
        const product = await catalog.createProduct({ code: 'demo-app', name: 'Demo App', description: 'The demo product' });
        await catalog.createFeature(product.id, { code: 'pdf-export', name: 'PDF export', kind: 'MODULE' });
        await catalog.createFeature(product.id, { code: 'dark-mode', name: 'Dark mode', kind: 'OPTION' });
      }
      const keys = app.get(ApiKeysService);
      for (const key of await keys.list({ take: 100, includeRevoked: false })) {
        if (key.name === DEMO_KEY_NAME) await keys.revoke(key.id);
      }
      return keys.create({ name: DEMO_KEY_NAME });
    });
    console.log(JSON.stringify({ vendor: { id: vendorId, slug: vendor.slug, name: vendor.name }, apiKey: apiKey.secret }));
  } finally {
    await app.close();
  }
}
