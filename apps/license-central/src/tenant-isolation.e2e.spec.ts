import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject, ParameterObject } from '@nestjs/swagger';
import request from 'supertest';
import { buildOpenApiDocument } from '@leasehold/http';
import { createTestApp, createVendor, TestVendor } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from './api-info';
import { AppModule } from './app.module';
import {
  FixtureContext,
  NO_BODY,
  REQUEST_BODIES,
  REQUEST_QUERIES,
  RESOURCE_FACTORIES,
} from './testing/tenant-fixtures';

// Zero cross-tenant reads or writes: every vendor route, found in the app's own OpenAPI document,
// is called by vendor B with vendor A's ids and must answer 404 NOT_FOUND and change nothing of
// A's. A new route cannot escape: the walk fails until the route's path parameters and request
// body are registered in ./testing/tenant-fixtures.ts (see the instructions at its top).

const REGISTRY = 'apps/license-central/src/testing/tenant-fixtures.ts';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
type Method = (typeof METHODS)[number];
const BODY_METHODS: ReadonlySet<Method> = new Set(['post', 'put', 'patch']);

interface VendorOperation {
  method: Method;
  path: string;
  /** `"METHOD /path/{param}"`, the key of the registries. */
  key: string;
  params: string[];
  documentsBody: boolean;
  queryParams: string[];
  requiredQueryParams: string[];
}

/** Every operation of the document that a vendor API key may call. */
function vendorOperations(document: OpenAPIObject): VendorOperation[] {
  const operations: VendorOperation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation?.security?.some((requirement) => 'vendor-key' in requirement)) continue;
      const parameters = (operation.parameters ?? []).filter((p): p is ParameterObject => 'in' in p);
      const query = parameters.filter((p) => p.in === 'query');
      operations.push({
        method,
        path,
        key: `${method.toUpperCase()} ${path}`,
        params: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]),
        documentsBody: Boolean(operation.requestBody),
        queryParams: query.map((p) => p.name),
        requiredQueryParams: query.filter((p) => p.required).map((p) => p.name),
      });
    }
  }
  return operations;
}

/** One vendor's resources for one walk step, made on demand by the registered factories. */
class TenantWorld {
  readonly ctx: FixtureContext;
  private readonly made = new Map<string, Promise<string>>();

  constructor(
    readonly vendor: TestVendor,
    http: () => ReturnType<typeof request>,
  ) {
    this.ctx = { http, auth: vendor.auth, vendor, id: (param) => this.id(param) };
  }

  id(param: string): Promise<string> {
    let id = this.made.get(param);
    if (!id) {
      const factory = RESOURCE_FACTORIES[param];
      if (!factory)
        throw new Error(`no factory for path parameter {${param}}: add one to RESOURCE_FACTORIES in ${REGISTRY}`);
      id = factory(this.ctx);
      this.made.set(param, id);
    }
    return id;
  }

  /** The ids made so far, by parameter name (parents included). */
  async ids(): Promise<Record<string, string>> {
    const entries = await Promise.all([...this.made].map(async ([param, id]) => [param, await id] as const));
    return Object.fromEntries(entries);
  }
}

async function fillPath(path: string, idOf: (param: string) => Promise<string>): Promise<string> {
  let filled = path;
  for (const [placeholder, param] of path.matchAll(/\{([^}]+)\}/g))
    filled = filled.replace(placeholder, await idOf(param));
  return filled;
}

// The walk makes hundreds of requests (fixtures for every route, then every route, then re-reads).
jest.setTimeout(180_000);

/** Runs `fn` over `items`, at most `width` at a time. */
async function inParallel<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
}

describe("tenant isolation: every vendor route with another vendor's ids", () => {
  let app: INestApplication;
  let operations: VendorOperation[];

  beforeAll(async () => {
    app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    operations = vendorOperations(buildOpenApiDocument(app, LICENSE_CENTRAL_API));
  });
  afterAll(() => app.close());

  const http = () => request(app.getHttpServer());

  /** Calls an operation as the vendor of `caller`, with a body and query from the registries. */
  async function call(operation: VendorOperation, path: string, caller: TenantWorld): Promise<request.Response> {
    let req = http()[operation.method](path).set(caller.ctx.auth);
    // Ask for big pages, so that a leaked row could not hide on a later page.
    const query = {
      ...(operation.queryParams.includes('limit') ? { limit: 100 } : {}),
      ...REQUEST_QUERIES[operation.key],
    };
    if (Object.keys(query).length) req = req.query(query);
    const sample = REQUEST_BODIES[operation.key];
    if (typeof sample === 'function') req = req.send((await sample(caller.ctx)) as object);
    return req;
  }

  /** What vendor A sees through every GET route it can fill with the ids it has. */
  async function snapshot(owner: TenantWorld): Promise<Map<string, { status: number; body: unknown }>> {
    const ids = await owner.ids();
    const seen = new Map<string, { status: number; body: unknown }>();
    for (const operation of operations.filter((o) => o.method === 'get' && o.params.every((p) => p in ids))) {
      const path = await fillPath(operation.path, async (p) => ids[p]);
      const res = await call(operation, path, owner);
      seen.set(path, { status: res.status, body: res.body });
    }
    return seen;
  }

  it('finds the vendor routes in the OpenAPI document', () => {
    const walked = new Set(operations.flatMap((o) => o.params));
    // If these disappear, the document changed shape and the walk below would test nothing.
    for (const param of ['productId', 'featureId', 'apiKeyId']) expect(walked).toContain(param);
    expect(operations.filter((o) => o.params.length === 0).length).toBeGreaterThan(0);
  });

  it(`has a fixture for every path parameter, body and required query (register missing ones in ${REGISTRY})`, () => {
    const problems: string[] = [];
    const keys = new Set(operations.map((o) => o.key));
    for (const operation of operations) {
      for (const param of operation.params) {
        if (!RESOURCE_FACTORIES[param])
          problems.push(`${operation.key}: no factory for path parameter {${param}} in RESOURCE_FACTORIES`);
      }
      const sample = REQUEST_BODIES[operation.key];
      if (BODY_METHODS.has(operation.method) && sample === undefined) {
        problems.push(
          `${operation.key}: no entry in REQUEST_BODIES (a valid body, or NO_BODY for a route that takes none)`,
        );
      }
      if (sample === NO_BODY && operation.documentsBody)
        problems.push(`${operation.key}: registered as NO_BODY, but the route documents a request body`);
      if (typeof sample === 'function' && !operation.documentsBody) {
        problems.push(
          `${operation.key}: has a body sample, but the route documents no request body (register NO_BODY, or document the body)`,
        );
      }
      for (const name of operation.requiredQueryParams) {
        if (REQUEST_QUERIES[operation.key]?.[name] === undefined)
          problems.push(`${operation.key}: required query parameter "${name}" has no value in REQUEST_QUERIES`);
      }
    }
    for (const key of [...Object.keys(REQUEST_BODIES), ...Object.keys(REQUEST_QUERIES)]) {
      if (!keys.has(key)) problems.push(`${key}: registered, but there is no such vendor route (renamed or removed?)`);
    }
    expect(problems).toEqual([]);
  });

  it("answers 404 NOT_FOUND on every route with a path parameter when vendor B uses vendor A's ids, and changes nothing of A's", async () => {
    const failures: string[] = [];
    const walked = operations.filter((o) => o.params.length > 0);
    // Each operation gets its own two vendors, so operations are walked four at a time.
    await inParallel(walked, 4, async (operation) => {
      try {
        const alice = new TenantWorld(await createVendor(app, 'Alice'), http);
        const bob = new TenantWorld(await createVendor(app, 'Bob'), http);
        for (const param of operation.params) await alice.id(param);
        const before = await snapshot(alice);
        for (const [path, { status, body }] of before) {
          if (status !== 200)
            failures.push(
              `${operation.key}: vendor A cannot read its own ${path} (${status} ${JSON.stringify(body)}); check the fixtures`,
            );
        }

        // All of A's ids; then, for nested routes, B's own ids with one of A's in each position
        // (a handler that checks only the parent must not let A's child through).
        const variants: { label: string; idOf: (param: string) => Promise<string> }[] = [
          { label: "all of A's ids", idOf: (p) => alice.id(p) },
        ];
        if (operation.params.length > 1) {
          for (const foreign of operation.params) {
            variants.push({
              label: `B's ids with A's {${foreign}}`,
              idOf: (p) => (p === foreign ? alice.id(p) : bob.id(p)),
            });
          }
        }
        for (const variant of variants) {
          const path = await fillPath(operation.path, variant.idOf);
          const res = await call(operation, path, bob);
          if (res.status !== 404 || res.body?.error?.code !== 'NOT_FOUND' || typeof res.body?.requestId !== 'string') {
            failures.push(
              `${operation.key} as vendor B with ${variant.label} (${path}): expected 404 NOT_FOUND, got ${res.status} ${res.text}`,
            );
          }
        }

        const after = await snapshot(alice);
        for (const [path, seen] of before) {
          const now = after.get(path);
          if (JSON.stringify(now) !== JSON.stringify(seen)) {
            failures.push(
              `${operation.key}: vendor A's ${path} changed after vendor B's call: ${JSON.stringify(seen)} → ${JSON.stringify(now)}`,
            );
          }
        }
        // A's own key still works (the snapshot read with it) and so does the key made for the walk.
        await http().get('/v1/api-keys').set(alice.vendor.auth).expect(200);
      } catch (error) {
        failures.push(`${operation.key}: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    expect(failures.sort()).toEqual([]);
    expect(walked.length).toBeGreaterThan(0);
  });

  it("never shows vendor A's ids to vendor B on routes without a path parameter (lists, creates)", async () => {
    const alice = new TenantWorld(await createVendor(app, 'Alice'), http);
    const bob = new TenantWorld(await createVendor(app, 'Bob'), http);
    for (const param of Object.keys(RESOURCE_FACTORIES)) await alice.id(param);
    await bob.id('productId');
    const aliceIds = [alice.vendor.vendor.id, alice.vendor.apiKey.id, ...Object.values(await alice.ids())];

    const failures: string[] = [];
    const unparameterised = operations.filter((o) => o.params.length === 0);
    let aliceSeesHerOwn = false;
    for (const operation of unparameterised) {
      try {
        const res = await call(operation, operation.path, bob);
        if (res.status >= 400)
          failures.push(`${operation.key} as vendor B: expected success, got ${res.status} ${res.text}`);
        const leaked = aliceIds.filter((id) => res.text.includes(id));
        if (leaked.length)
          failures.push(`${operation.key} as vendor B shows vendor A's ids ${leaked.join(', ')}: ${res.text}`);
        if (operation.method === 'get') {
          const own = await call(operation, operation.path, alice);
          aliceSeesHerOwn ||= aliceIds.some((id) => own.text.includes(id));
        }
      } catch (error) {
        failures.push(`${operation.key}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    expect(failures).toEqual([]);
    // The same lists do show A her own rows, so the check above could see a leak.
    expect(aliceSeesHerOwn).toBe(true);
  });
});
