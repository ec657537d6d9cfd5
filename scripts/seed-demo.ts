import { NestFactory } from '@nestjs/core';
import { PrismaService, TenantContext } from '@leasehold/db';
import { CatalogService } from '@leasehold/domain-catalog';
import { GroupsService, UsersService } from '@leasehold/domain-customers';
import { PasswordHasher } from '@leasehold/domain-identity';
import { ContainersService, LicensesService } from '@leasehold/domain-licensing';
import { ApiKeysService, VendorsService } from '@leasehold/domain-vendors';
import { AppModule } from '../apps/license-central/src/app.module';

export const DEMO_VENDOR_SLUG = 'demo';
const DEMO_KEY_NAME = 'demo key (npm start)';
export const DEMO_PORTAL_ADMIN = { email: 'admin@demo.example', password: 'demo-admin-password' };
const DEMO_GROUP_EXTERNAL_ID = 'DEMO-CUSTOMER';

/**
 * Creates the demo vendor with one product, a customer group with a portal admin and an
 * enterprise container of 5 floating seats (once), and a fresh API key on every run: only key
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
      const created = await app
        .get(VendorsService)
        .create({ slug: DEMO_VENDOR_SLUG, name: 'Demo Software Ltd', firstApiKeyName: 'initial' });
      vendor = await prisma.vendor.findUniqueOrThrow({ where: { id: created.vendor.id } });
    }
    const vendorId = vendor.id;
    const apiKey = await tenant.run(vendorId, async () => {
      const catalog = app.get(CatalogService);
      let [product] = await catalog.listProducts({ search: 'demo-app', take: 1 });
      if (!product) {
        product = await catalog.createProduct({ code: 'demo-app', name: 'Demo App', description: 'The demo product' });
        await catalog.createFeature(product.id, { code: 'pdf-export', name: 'PDF export', kind: 'MODULE' });
        await catalog.createFeature(product.id, { code: 'dark-mode', name: 'Dark mode', kind: 'OPTION' });
      }
      if (!(await prisma.group.findFirst({ where: { vendorId, externalId: DEMO_GROUP_EXTERNAL_ID } }))) {
        const group = await app
          .get(GroupsService)
          .create({ name: 'Demo Customer Inc', externalId: DEMO_GROUP_EXTERNAL_ID });
        const { user } = await app
          .get(UsersService)
          .create({ email: DEMO_PORTAL_ADMIN.email, name: 'Demo Admin', groupId: group.id, role: 'ADMIN' });
        // The demo admin skips the invitation step: it gets its password directly.
        const passwordHash = await app.get(PasswordHasher).hash(DEMO_PORTAL_ADMIN.password);
        await prisma.user.update({
          where: { vendorId_id: { vendorId, id: user.id } },
          data: { passwordHash, status: 'ACTIVE' },
        });
        const container = await app
          .get(ContainersService)
          .create({ kind: 'ENTERPRISE', name: 'Demo floating seats', groupId: group.id });
        await app
          .get(LicensesService)
          .create(container.id, { productId: product.id, features: ['pdf-export'], quantity: 5 });
      }
      const keys = app.get(ApiKeysService);
      for (const key of await keys.list({ take: 100, includeRevoked: false })) {
        if (key.name === DEMO_KEY_NAME) await keys.revoke(key.id);
      }
      return keys.create({ name: DEMO_KEY_NAME });
    });
    console.log(
      JSON.stringify({
        vendor: { id: vendorId, slug: vendor.slug, name: vendor.name },
        apiKey: apiKey.secret,
        portal: DEMO_PORTAL_ADMIN,
      }),
    );
  } finally {
    await app.close();
  }
}
