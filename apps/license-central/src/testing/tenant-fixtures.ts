/**
 * Registry for the tenant-isolation walk (`../tenant-isolation.e2e.spec.ts`).
 *
 * The walk reads the app's OpenAPI document and calls EVERY vendor route (security `vendor-key`)
 * as vendor B with vendor A's ids; it expects 404 NOT_FOUND and then checks that nothing of A's
 * changed. It fails, naming what is missing, when a route cannot be called because this file
 * does not say how. So when you add a vendor route:
 *
 * 1. Each path parameter (`{groupId}`, `{containerId}`, …) needs an entry in RESOURCE_FACTORIES:
 *    an async function that creates one such resource for the vendor in `ctx` THROUGH THE API and
 *    returns its id. A resource that lives under another one asks for its parent with
 *    `await ctx.id('productId')`; ids are made once per vendor and walk, so a child and its parent
 *    match the route's path.
 * 2. Each POST / PUT / PATCH route needs an entry in REQUEST_BODIES under its OpenAPI key
 *    `"METHOD /path/{param}"` (e.g. `"PATCH /v1/products/{productId}"`): a function returning a body
 *    that would be VALID for the caller, so that the route gets past validation and the 404 tests
 *    the ownership check. Ids inside a body come from `ctx.id(...)`, i.e. from the caller's own
 *    resources. A POST that takes no body is registered as `NO_BODY`.
 * 3. A route with required query parameters needs an entry in REQUEST_QUERIES under the same key.
 *    Optional ones may be given too (e.g. to list revoked rows as well, so a leak would show).
 *
 * Keep factories small and valid: use `uniqueCode()` for anything that must be unique.
 */
import type { TestVendor } from '@leasehold/testing';
import { uniqueCode } from '@leasehold/testing';
import type request from 'supertest';
import { createRequestCode } from '@leasehold/license-file';
import { signInboundEvent } from '@leasehold/domain-integrations';

export interface FixtureContext {
  /** supertest against the running app; add `.set(ctx.auth)` to act as this vendor. */
  http: () => ReturnType<typeof request>;
  /** This vendor's `Authorization` header. */
  auth: TestVendor['auth'];
  vendor: TestVendor;
  /** The id of this vendor's resource for a path parameter name; created on first use. */
  id(param: string): Promise<string>;
}

/** Creates one resource for `ctx`'s vendor through the API and returns its id. */
export type ResourceFactory = (ctx: FixtureContext) => Promise<string>;

/** Marks a POST route that takes no request body (e.g. an action such as `/revoke`). */
export const NO_BODY = Symbol('no request body');
export type BodySample = ((ctx: FixtureContext) => unknown) | typeof NO_BODY;

/** Fails with the answer in the message, so a broken factory is easy to see. */
async function created(res: request.Response, what: string): Promise<string> {
  if (res.status !== 201 || typeof res.body?.id !== 'string') {
    throw new Error(`tenant fixture "${what}" could not be created: ${res.status} ${res.text}`);
  }
  return res.body.id as string;
}

export const RESOURCE_FACTORIES: Record<string, ResourceFactory> = {
  productId: async (ctx) =>
    created(
      await ctx
        .http()
        .post('/v1/products')
        .set(ctx.auth)
        .send({ code: uniqueCode('product'), name: 'Isolated product' }),
      'productId',
    ),

  featureId: async (ctx) =>
    created(
      await ctx
        .http()
        .post(`/v1/products/${await ctx.id('productId')}/features`)
        .set(ctx.auth)
        .send({ code: uniqueCode('feature'), name: 'Isolated feature' }),
      'featureId',
    ),

  apiKeyId: async (ctx) =>
    created(await ctx.http().post('/v1/api-keys').set(ctx.auth).send({ name: 'isolated key' }), 'apiKeyId'),

  integrationId: async (ctx) =>
    created(
      await ctx.http().post('/v1/integrations').set(ctx.auth).send({ name: 'Isolated ERP', kind: 'ERP' }),
      'integrationId',
    ),

  /** An inbound event stored by the signed webhook (the secret comes from a rotation: it is shown once). */
  eventId: async (ctx) => {
    const integrationId = await ctx.id('integrationId');
    const rotated = await ctx.http().post(`/v1/integrations/${integrationId}/rotate-secret`).set(ctx.auth);
    const raw = JSON.stringify({ id: uniqueCode('evt'), type: 'order.cancelled', data: { orderId: uniqueCode('SO') } });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await ctx
      .http()
      .post(`/webhooks/erp/${integrationId}`)
      .set({
        'Content-Type': 'application/json',
        'Leasehold-Timestamp': timestamp,
        'Leasehold-Signature': signInboundEvent(String(rotated.body?.secret), timestamp, raw),
      })
      .send(raw);
    if (res.status !== 202 || typeof res.body?.id !== 'string')
      throw new Error(`tenant fixture "eventId" could not be created: ${res.status} ${res.text}`);
    return res.body.id as string;
  },

  // Customers.
  groupId: async (ctx) =>
    created(await ctx.http().post('/v1/groups').set(ctx.auth).send({ name: 'Isolated group' }), 'groupId'),

  userId: async (ctx) => {
    const res = await ctx
      .http()
      .post('/v1/users')
      .set(ctx.auth)
      .send({ email: `${uniqueCode('user')}@customer.example`, name: 'Isolated user' });
    if (res.status !== 201 || typeof res.body?.user?.id !== 'string')
      throw new Error(`tenant fixture "userId" could not be created: ${res.status} ${res.text}`);
    return res.body.user.id as string;
  },

  // Containers, licenses, purchases and devices. Groups and users come from their own factories.
  containerId: async (ctx) =>
    created(
      await ctx
        .http()
        .post('/v1/containers')
        .set(ctx.auth)
        .send({ kind: 'ENTERPRISE', name: 'Isolated container', groupId: await ctx.id('groupId') }),
      'containerId',
    ),

  licenseId: async (ctx) =>
    created(
      await ctx
        .http()
        .post(`/v1/containers/${await ctx.id('containerId')}/licenses`)
        .set(ctx.auth)
        .send({ productId: await ctx.id('productId'), quantity: 2 }),
      'licenseId',
    ),

  purchaseId: async (ctx) =>
    created(
      await ctx
        .http()
        .post('/v1/purchases')
        .set(ctx.auth)
        .send({ groupId: await ctx.id('groupId'), productId: await ctx.id('productId'), seats: 5 }),
      'purchaseId',
    ),

  // A device is activated by the licensed program with its container's secret (a PERSONAL container of its own).
  deviceId: async (ctx) => {
    const container = await ctx
      .http()
      .post('/v1/containers')
      .set(ctx.auth)
      .send({ kind: 'PERSONAL', name: 'Isolated laptop', userId: await ctx.id('userId') });
    await created(container, 'deviceId (its container)');
    const device = await ctx
      .http()
      .post('/client/v1/activations')
      .set({ Authorization: `Bearer ${container.body.secret as string}` })
      .send({ fingerprint: uniqueCode('fingerprint'), name: 'Isolated laptop' });
    return created(device, 'deviceId');
  },

  // A session (live lease): the licensed program checks out a seat of a license in its own container.
  leaseId: async (ctx) => {
    const container = await ctx
      .http()
      .post('/v1/containers')
      .set(ctx.auth)
      .send({ kind: 'ENTERPRISE', name: 'Isolated seats', groupId: await ctx.id('groupId') });
    await created(container, 'leaseId (its container)');
    const license = await ctx
      .http()
      .post(`/v1/containers/${container.body.id as string}/licenses`)
      .set(ctx.auth)
      .send({ productId: await ctx.id('productId'), quantity: 2 });
    await created(license, 'leaseId (its license)');
    const lease = await ctx
      .http()
      .post('/client/v1/seats/checkout')
      .set({ Authorization: `Bearer ${container.body.secret as string}` })
      .send({ licenseId: license.body.id as string, fingerprint: uniqueCode('fingerprint') });
    if (lease.status !== 201 || typeof lease.body?.leaseId !== 'string')
      throw new Error(`tenant fixture "leaseId" could not be created: ${lease.status} ${lease.text}`);
    return lease.body.leaseId as string;
  },

  // A seat reservation on the license, for a member of the license's group.
  reservationId: async (ctx) => {
    const member = await ctx
      .http()
      .post('/v1/users')
      .set(ctx.auth)
      .send({
        email: `${uniqueCode('night')}@customer.example`,
        name: 'Night shift',
        groupId: await ctx.id('groupId'),
      });
    if (member.status !== 201 || typeof member.body?.user?.id !== 'string')
      throw new Error(
        `tenant fixture "reservationId (its user)" could not be created: ${member.status} ${member.text}`,
      );
    return created(
      await ctx
        .http()
        .post(`/v1/licenses/${await ctx.id('licenseId')}/reservations`)
        .set(ctx.auth)
        .send({ name: uniqueCode('shift'), seats: 1, userIds: [member.body.user.id as string] }),
      'reservationId',
    );
  },

  endpointId: async (ctx) =>
    created(
      await ctx
        .http()
        .post('/v1/webhook-endpoints')
        .set(ctx.auth)
        .send({ url: 'https://hooks.example.com/isolated', eventTypes: ['*'] }),
      'endpointId',
    ),

  // A delivery made through the API: a test event (ping) to the vendor's endpoint (202, not 201).
  deliveryId: async (ctx) => {
    const res = await ctx
      .http()
      .post(`/v1/webhook-endpoints/${await ctx.id('endpointId')}/ping`)
      .set(ctx.auth);
    if (res.status !== 202 || typeof res.body?.id !== 'string')
      throw new Error(`tenant fixture "deliveryId" could not be created: ${res.status} ${res.text}`);
    return res.body.id as string;
  },
};

export const REQUEST_BODIES: Record<string, BodySample> = {
  'POST /v1/products': () => ({ code: uniqueCode('product'), name: 'Product' }),
  'PATCH /v1/products/{productId}': () => ({ name: 'Renamed by another vendor', description: 'changed' }),
  'POST /v1/products/{productId}/features': () => ({ code: uniqueCode('feature'), name: 'Feature' }),
  'PATCH /v1/products/{productId}/features/{featureId}': () => ({ name: 'Renamed by another vendor', kind: 'OPTION' }),
  'POST /v1/api-keys': () => ({ name: 'another key' }),
  'POST /v1/api-keys/{apiKeyId}/revoke': NO_BODY,
  'POST /v1/signing-keys/rotate': NO_BODY,
  'POST /v1/integrations': () => ({ name: 'Another ERP', kind: 'CRM' }),
  'PATCH /v1/integrations/{integrationId}': () => ({ name: 'Renamed by another vendor', status: 'DISABLED' }),
  'POST /v1/integrations/{integrationId}/rotate-secret': NO_BODY,
  'POST /v1/groups': () => ({ name: 'Group' }),
  'PATCH /v1/groups/{groupId}': () => ({ name: 'Renamed by another vendor', externalId: uniqueCode('ext') }),
  'PUT /v1/groups/{groupId}/members/{userId}': () => ({ role: 'ADMIN' }),
  'POST /v1/users': () => ({ email: `${uniqueCode('user')}@customer.example`, name: 'User' }),
  'PATCH /v1/users/{userId}': () => ({ name: 'Renamed by another vendor', status: 'DISABLED' }),
  'POST /v1/users/{userId}/invitation': NO_BODY,
  'POST /v1/containers': async (ctx) => ({ kind: 'ENTERPRISE', name: 'Container', groupId: await ctx.id('groupId') }),
  'PATCH /v1/containers/{containerId}': () => ({ name: 'Renamed by another vendor', externalId: uniqueCode('ext') }),
  'POST /v1/containers/{containerId}/credentials/reset': NO_BODY,
  'POST /v1/containers/{containerId}/licenses': async (ctx) => ({ productId: await ctx.id('productId'), quantity: 1 }),
  // Offline activation and update-now: a well-formed request code for the caller's own container.
  'POST /v1/containers/{containerId}/offline-activations': async (ctx) => ({
    code: createRequestCode({
      kind: 'activate',
      containerId: await ctx.id('containerId'),
      fingerprint: uniqueCode('offline-fingerprint'),
    }).code,
  }),
  'POST /v1/containers/{containerId}/update-now': NO_BODY,
  'PATCH /v1/licenses/{licenseId}': () => ({ quantity: 1, leaseTtlSeconds: 600 }),
  'POST /v1/licenses/{licenseId}/suspend': NO_BODY,
  'POST /v1/licenses/{licenseId}/resume': NO_BODY,
  'POST /v1/licenses/{licenseId}/revoke': NO_BODY,
  'POST /v1/purchases': async (ctx) => ({
    groupId: await ctx.id('groupId'),
    productId: await ctx.id('productId'),
    seats: 3,
  }),
  'POST /v1/devices/{deviceId}/deactivate': NO_BODY,
  'POST /v1/sessions/{leaseId}/stop': NO_BODY,
  'POST /v1/licenses/{licenseId}/reservations': async (ctx) => ({
    name: uniqueCode('shift'),
    seats: 1,
    userIds: [await ctx.id('userId')],
  }),
  'PUT /v1/licenses/{licenseId}/reservations/{reservationId}': async (ctx) => ({
    name: uniqueCode('shift'),
    seats: 1,
    userIds: [await ctx.id('userId')],
  }),
  'PUT /v1/licenses/{licenseId}/overage': () => ({ factor: 1.5 }),
  'POST /v1/webhook-endpoints': () => ({ url: 'https://hooks.example.com/leasehold', eventTypes: ['*'] }),
  'PATCH /v1/webhook-endpoints/{endpointId}': () => ({
    description: 'changed by another vendor',
    status: 'DISABLED',
    eventTypes: ['license.created'],
  }),
  'POST /v1/webhook-endpoints/{endpointId}/rotate-secret': NO_BODY,
  'POST /v1/webhook-endpoints/{endpointId}/ping': NO_BODY,
  'POST /v1/webhook-deliveries/{deliveryId}/redeliver': NO_BODY,
};

export const REQUEST_QUERIES: Record<string, Record<string, string | number | boolean>> = {
  'GET /v1/api-keys': { includeRevoked: true },
  'GET /v1/containers/{containerId}/devices': { includeInactive: true },
  'GET /v1/licenses/{licenseId}/usage': {
    from: new Date(Date.now() - 86_400_000).toISOString(),
    to: new Date(Date.now() + 3_600_000).toISOString(),
    granularity: 'hour',
  },
};
