// The platform operator's command line (the same rules as POST /operator/v1/vendors):
//   npm run operator -- create-vendor --slug acme --name "ACME Software"
//   npm run operator -- list-vendors
//   npm run operator -- set-vendor-status <vendorId> SUSPENDED|ACTIVE
import { NestFactory } from '@nestjs/core';
import { Command } from 'commander';
import { TenantContext } from '@leasehold/db';
import { VendorsService } from '@leasehold/domain-vendors';
import { isDomainError } from '@leasehold/errors';
import { AppModule } from '../apps/license-central/src/app.module';

async function withVendors<T>(fn: (vendors: VendorsService) => Promise<T>): Promise<T> {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error'] });
  try {
    const tenant = app.get(TenantContext);
    // Changes made here are audited as the operator's.
    return await tenant.runAs({ type: 'OPERATOR', id: null }, () => fn(app.get(VendorsService)));
  } finally {
    await app.close();
  }
}

const program = new Command('operator');
program
  .command('create-vendor')
  .description('create a vendor with its first API key (printed once) and signing key')
  .requiredOption('--slug <slug>', 'unique, URL-safe name (lower-case letters, digits, "-")')
  .requiredOption('--name <name>', 'display name')
  .option('--key-name <name>', 'name of the first API key', 'default')
  .action(async (options: { slug: string; name: string; keyName: string }) => {
    if (!/^[a-z0-9][a-z0-9-]{1,63}$/.test(options.slug))
      throw new Error('--slug may contain lower-case letters, digits and "-" (2 to 64 characters)');
    const created = await withVendors((vendors) =>
      vendors.create({ slug: options.slug, name: options.name, firstApiKeyName: options.keyName }),
    );
    console.log(JSON.stringify({ vendor: created.vendor, apiKey: created.apiKey.secret }, null, 2));
  });
program
  .command('list-vendors')
  .description('list vendors')
  .action(async () => {
    const vendors = await withVendors((service) => service.list({ take: 1000 }));
    for (const v of vendors) console.log(`${v.id}  ${v.status.padEnd(9)}  ${v.slug}  ${v.name}`);
  });
program
  .command('set-vendor-status <vendorId> <status>')
  .description('suspend (SUSPENDED) or re-activate (ACTIVE) a vendor')
  .action(async (vendorId: string, status: string) => {
    if (status !== 'ACTIVE' && status !== 'SUSPENDED') throw new Error('status must be ACTIVE or SUSPENDED');
    console.log(JSON.stringify(await withVendors((vendors) => vendors.setStatus(vendorId, status)), null, 2));
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(
    isDomainError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : error,
  );
  process.exit(1);
});
