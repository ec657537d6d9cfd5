import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { TenantContext } from '@leasehold/db';
import { GroupsService, GroupView, UsersService } from '@leasehold/domain-customers';
import { ConfigService } from '@leasehold/config';
import { openEventPayload, OutboxRepository } from '@leasehold/domain-events';
import { IdentityService } from '@leasehold/domain-identity';
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

export interface TestPortalUser {
  id: string;
  email: string;
  password: string;
  groupId: string | null;
  role: 'ADMIN' | 'MEMBER' | null;
  /** `{ Authorization: 'Bearer <access token>' }` of a fresh login. */
  auth: { Authorization: string };
  accessToken: string;
  refreshToken: string;
}

/** A group of the vendor, made through the real domain service (as the vendor's key would). */
export async function createGroup(
  app: INestApplication,
  vendor: TestVendor,
  name = 'Customer Ltd',
): Promise<GroupView> {
  return app
    .get(TenantContext)
    .run(vendor.vendor.id, () => app.get(GroupsService).create({ name }), { type: 'VENDOR_KEY', id: vendor.apiKey.id });
}

/** The newest one-time token of `type` for the user, read from the outbox and opened as the vendor's webhook receives it. */
export async function latestTokenFromOutbox(
  app: INestApplication,
  vendorId: string,
  userId: string,
  type: 'user.invited' | 'user.password_reset_requested',
): Promise<string> {
  const events = await app
    .get(TenantContext)
    .run(vendorId, () => app.get(OutboxRepository).list({ type, aggregateId: userId, take: 100 }));
  const last = events.at(-1);
  // Stored sealed; opened as the webhook delivery opens it for the vendor.
  const platformKey = Buffer.from(app.get(ConfigService).get('PLATFORM_KEY'), 'base64');
  const token = last ? openEventPayload(platformKey, vendorId, last.payload)['token'] : undefined;
  if (typeof token !== 'string') throw new Error(`No ${type} event for user ${userId}`);
  return token;
}

/**
 * A portal user who accepted their invitation (real services: create → invitation token from the
 * outbox → accept), with a fresh session.
 */
export async function createPortalUser(
  app: INestApplication,
  vendor: TestVendor,
  options: {
    groupId?: string | null;
    role?: 'ADMIN' | 'MEMBER';
    email?: string;
    name?: string;
    password?: string;
  } = {},
): Promise<TestPortalUser> {
  const email = options.email ?? `${uniqueCode('user')}@customer.example`;
  const password = options.password ?? `pw-${randomUUID()}`;
  const { user } = await app
    .get(TenantContext)
    .run(
      vendor.vendor.id,
      () =>
        app
          .get(UsersService)
          .create({ email, name: options.name ?? 'Test User', groupId: options.groupId ?? null, role: options.role }),
      { type: 'VENDOR_KEY', id: vendor.apiKey.id },
    );
  const token = await latestTokenFromOutbox(app, vendor.vendor.id, user.id, 'user.invited');
  const session = await app.get(IdentityService).acceptInvitation({ vendor: vendor.vendor.slug, token, password });
  return {
    id: user.id,
    email,
    password,
    groupId: user.groupId,
    role: user.role,
    auth: { Authorization: `Bearer ${session.accessToken}` },
    accessToken: session.accessToken,
    refreshToken: session.refreshToken,
  };
}
