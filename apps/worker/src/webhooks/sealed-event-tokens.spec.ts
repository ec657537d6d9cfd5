import { randomUUID } from 'node:crypto';
import { INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { PrismaService, TenantContext } from '@leasehold/db';
import { IdentityModule, IdentityService } from '@leasehold/domain-identity';
import {
  DEFAULT_WEBHOOK_DELIVERY_POLICY,
  WEBHOOK_DELIVERY_POLICY,
  WebhookEndpointsService,
  WebhookEndpointWithSecret,
} from '@leasehold/domain-webhooks';
import { createVendor, eventually, TestVendor, WebhookTestServer } from '@leasehold/testing';
import { AppModule } from '../app.module';

// As the abuse: a password-reset token read from domain_events resets the
// password. The token (and its link) is sealed at rest; the running worker's relay and webhook
// delivery open the seal, so the vendor's endpoint still receives it, and it still works.

@Module({ imports: [AppModule, IdentityModule] })
class WorkerWithIdentity {}

describe('one-time tokens in domain events (worker on real Redis and Postgres)', () => {
  let app: INestApplication;
  let prisma: PrismaService;
  let server: WebhookTestServer;

  beforeAll(async () => {
    server = await new WebhookTestServer().start();
    const moduleRef = await Test.createTestingModule({ imports: [WorkerWithIdentity] })
      .overrideProvider(WEBHOOK_DELIVERY_POLICY)
      .useValue({ ...DEFAULT_WEBHOOK_DELIVERY_POLICY, jitter: 0, timeoutMs: 2_000 })
      .compile();
    app = moduleRef.createNestApplication({ bufferLogs: true });
    await app.init();
    prisma = app.get(PrismaService);
  });
  afterAll(async () => {
    await app?.close();
    await server?.stop();
  });

  const asVendor = <T>(vendor: TestVendor, fn: () => Promise<T>) =>
    app.get(TenantContext).run(vendor.vendor.id, fn, { type: 'VENDOR_KEY', id: vendor.apiKey.id });

  it('stores the reset token sealed, delivers it in plain to the webhook, and the delivered token resets the password', async () => {
    const vendor = await createVendor(app);
    const endpoint: WebhookEndpointWithSecret = await asVendor(vendor, () =>
      app
        .get(WebhookEndpointsService)
        .create({ url: server.url('/resets'), eventTypes: ['user.password_reset_requested'] }),
    );
    const email = `reset-${randomUUID().slice(0, 8)}@customer.example`;
    const user = await prisma.user.create({
      data: { vendorId: vendor.vendor.id, email, name: 'Reset Me', status: 'ACTIVE' },
    });

    await app.get(IdentityService).requestPasswordReset({ vendor: vendor.vendor.slug, email, ip: '192.0.2.10' });

    const [received] = await eventually(
      async () => {
        const got = server.forPath('/resets');
        return got.length ? got : null;
      },
      20_000,
      'the webhook to arrive',
    );
    const delivered = JSON.parse(received.rawBody) as { id: string; data: Record<string, unknown> };
    const token = delivered.data['token'] as string;
    expect(token).toEqual(expect.any(String));
    expect(delivered.data).toMatchObject({ userId: user.id, email, resetUrl: expect.stringContaining(token) });
    expect(delivered.data).not.toHaveProperty('sealed');

    // What a database reader sees: no token, no link, only the seal.
    const stored = await prisma.domainEvent.findFirstOrThrow({ where: { id: delivered.id } });
    const text = JSON.stringify(stored);
    expect(text).not.toContain(token);
    expect(stored.payload).toMatchObject({ userId: user.id, sealed: expect.stringMatching(/^v1\./) });
    expect(stored.payload).not.toHaveProperty('token');
    expect(stored.payload).not.toHaveProperty('resetUrl');

    // The delivered token is the real one.
    await app
      .get(IdentityService)
      .confirmPasswordReset({ vendor: vendor.vendor.slug, token, password: 'a-brand-new-password' });
    expect((await prisma.user.findFirstOrThrow({ where: { id: user.id } })).passwordHash).not.toBeNull();
    expect(endpoint.id).toEqual(expect.any(String));
  });
});
