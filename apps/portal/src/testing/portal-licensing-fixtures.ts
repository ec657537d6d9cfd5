// Fixtures for the portal's container, device, session and usage routes. Products are inserted
// directly (the catalog has no portal route); containers, licenses, activations and checkouts go
// through the real domain services as the vendor's key and the licensed program would call them.
import { randomUUID } from 'node:crypto';
import { INestApplication, Module } from '@nestjs/common';
import { PrismaService, TenantContext } from '@leasehold/db';
import {
  ContainerCredentialsModule,
  ContainersService,
  ContainerWithSecret,
  CreateLicenseCommand,
  DevicesService,
  DeviceView,
  LicensesService,
  LicenseView,
} from '@leasehold/domain-licensing';
import { CheckoutInput, LeaseView, SeatsService } from '@leasehold/domain-seats';
import { VendorsModule } from '@leasehold/domain-vendors';
import { createGroup, createPortalUser, TestPortalUser, TestVendor } from '@leasehold/testing';
import { AppModule } from '../app.module';

// The portal has no vendor routes; the test app adds the vendor registry to make test vendors and
// the credential look-up to check which container secret works.
@Module({ imports: [AppModule, VendorsModule, ContainerCredentialsModule] })
export class PortalLicensingTestModule {}

export interface TestGroup {
  groupId: string;
  users: TestPortalUser[];
}

export async function groupWith(app: INestApplication, vendor: TestVendor, members: ('ADMIN' | 'MEMBER')[]): Promise<TestGroup> {
  const group = await createGroup(app, vendor);
  const users: TestPortalUser[] = [];
  for (const role of members) users.push(await createPortalUser(app, vendor, { groupId: group.id, role }));
  return { groupId: group.id, users };
}

/** Runs `fn` as the vendor's API key would. */
export function asVendor<T>(app: INestApplication, vendor: TestVendor, fn: () => Promise<T>): Promise<T> {
  return app.get(TenantContext).run(vendor.vendor.id, fn, { type: 'VENDOR_KEY', id: vendor.apiKey.id });
}

export interface TestProduct {
  id: string;
  code: string;
  name: string;
}

export async function createProduct(app: INestApplication, vendor: TestVendor, features = ['export-pdf', 'print']): Promise<TestProduct> {
  const prisma = app.get(PrismaService);
  const code = `product-${randomUUID().slice(0, 8)}`;
  const product = await prisma.product.create({ data: { vendorId: vendor.vendor.id, code, name: 'Cargo Office' } });
  for (const feature of features) await prisma.feature.create({ data: { vendorId: vendor.vendor.id, productId: product.id, code: feature, name: feature } });
  return { id: product.id, code, name: product.name };
}

export function createEnterpriseContainer(app: INestApplication, vendor: TestVendor, groupId: string, name = 'Central server'): Promise<ContainerWithSecret> {
  return asVendor(app, vendor, () => app.get(ContainersService).create({ kind: 'ENTERPRISE', name, groupId }));
}

export function createPersonalContainer(app: INestApplication, vendor: TestVendor, userId: string, name = 'Laptop'): Promise<ContainerWithSecret> {
  return asVendor(app, vendor, () => app.get(ContainersService).create({ kind: 'PERSONAL', name, userId }));
}

export function createLicense(app: INestApplication, vendor: TestVendor, containerId: string, command: CreateLicenseCommand): Promise<LicenseView> {
  return asVendor(app, vendor, () => app.get(LicensesService).create(containerId, command));
}

export async function activateDevice(app: INestApplication, vendor: TestVendor, containerId: string, fingerprint: string, name = `Device ${fingerprint}`): Promise<DeviceView> {
  return (await asVendor(app, vendor, () => app.get(DevicesService).activate(containerId, { fingerprint, name, platform: 'linux' }))).device;
}

export function checkout(app: INestApplication, vendor: TestVendor, input: Omit<CheckoutInput, 'license'> & { licenseId: string }): Promise<LeaseView> {
  const { licenseId, ...rest } = input;
  return asVendor(app, vendor, () => app.get(SeatsService).checkout({ ...rest, license: { licenseId } }));
}

export function heartbeat(app: INestApplication, vendor: TestVendor, containerId: string, leaseId: string): Promise<LeaseView> {
  return asVendor(app, vendor, () => app.get(SeatsService).heartbeat(containerId, leaseId));
}
