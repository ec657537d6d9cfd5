import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Controller, Get, Module } from '@nestjs/common';
import { ApiOkResponse, ApiProperty } from '@nestjs/swagger';
import { buildDocument, GENERATED_TYPES, OPENAPI_FILES, serialise } from './openapi-documents';

describe('exported OpenAPI documents', () => {
  it.each(OPENAPI_FILES)(
    '$file matches the code (run `npm run openapi` when this fails)',
    async ({ file, module, info }) => {
      const exported = await readFile(path.join(__dirname, '..', file), 'utf8').catch(() => '');
      const current = serialise(await buildDocument(module, info));
      expect(exported).toBe(current);
    },
  );

  it.each(GENERATED_TYPES)(
    '$out matches $document (run `npm run openapi` when this fails)',
    async ({ document, out }) => {
      const root = path.join(__dirname, '..');
      const dir = await mkdtemp(path.join(os.tmpdir(), 'leasehold-openapi-types-'));
      try {
        const fresh = path.join(dir, 'types.ts');
        execFileSync(
          path.join(root, 'node_modules/.bin/openapi-typescript'),
          [path.join(root, document), '--default-non-nullable', 'false', '-o', fresh],
          { stdio: 'ignore' },
        );
        expect(await readFile(path.join(root, out), 'utf8')).toBe(await readFile(fresh, 'utf8'));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    180_000,
  ); // the generator is a process of its own: slow on a loaded machine

  it('documents every error code of the catalogue and the error envelope', async () => {
    const document = await buildDocument(OPENAPI_FILES[0].module, OPENAPI_FILES[0].info);
    expect(document.components?.schemas?.['ErrorResponse']).toBeDefined();
    expect(document.info.description).toContain('NOT_FOUND');
  });
});

// Two classes with one name (two `SessionDto`s, a login and a live lease) made @nestjs/swagger describe one route
// with the other's shape, silently. The export now refuses it.
describe('one schema name, one class', () => {
  const twoClassesNamedThingDto = () => {
    const first = (() => {
      class ThingDto {
        @ApiProperty() id!: string;
      }
      return ThingDto;
    })();
    const second = (() => {
      class ThingDto {
        @ApiProperty() id!: string;
        @ApiProperty() seats!: number;
      }
      return ThingDto;
    })();
    return { first, second };
  };
  /** A module with one GET route per given answer type. */
  const moduleAnswering = (...types: unknown[]) => {
    const controllers = types.map((type, i) => {
      @Controller(`r${i}`)
      class RouteController {
        @Get()
        @ApiOkResponse({ type: type as never })
        get(): string {
          return 'ok';
        }
      }
      Object.defineProperty(RouteController, 'name', { value: `Route${i}Controller` });
      return RouteController;
    });
    @Module({ controllers })
    class TinyModule {}
    return TinyModule;
  };
  const info = { title: 't', description: 'd', bearerSchemes: {} };

  it('fails the export when two different classes produce the same schema name', async () => {
    const { first, second } = twoClassesNamedThingDto();
    await expect(buildDocument(moduleAnswering(first, second), info)).rejects.toThrow(
      /same schema name.*ThingDto \(2 classes\)/,
    );
  });

  it('lets one class used by several routes through', async () => {
    const { first } = twoClassesNamedThingDto();
    const document = await buildDocument(moduleAnswering(first, first), info);
    expect(Object.keys(document.components?.schemas ?? {})).toContain('ThingDto');
  });

  it.each(OPENAPI_FILES)('$file passes the check', async ({ module, info: appInfo }) => {
    await expect(buildDocument(module, appInfo)).resolves.toBeDefined();
  });

  it('portal: GET /v1/group/sessions is a page of live leases, login answers a token pair', async () => {
    const document = await buildDocument(OPENAPI_FILES[1].module, OPENAPI_FILES[1].info);
    const schemas = document.components?.schemas as Record<string, { properties: Record<string, unknown> }>;
    const page = JSON.stringify(document.paths['/v1/group/sessions'].get?.responses['200']);
    expect(page).toContain('LiveLeasePageDto');
    expect(schemas['LiveLeasePageDto'].properties['data']).toMatchObject({
      items: { $ref: '#/components/schemas/LiveLeaseDto' },
    });
    expect(Object.keys(schemas['LiveLeaseDto'].properties)).toEqual(
      expect.arrayContaining(['licenseId', 'containerId', 'expiresAt', 'borrowed']),
    );
    expect(schemas['LiveLeaseDto'].properties).not.toHaveProperty('accessToken');
    expect(JSON.stringify(document.paths['/v1/auth/login'].post?.responses)).toContain('TokenPairDto');
  });

  // One word per idea (docs/glossary.md): a login is a token pair, a lease a program's hold on a
  // seat. "Session" stays only in the published paths (and their operationIds) of live leases.
  it.each(OPENAPI_FILES)(
    '$file: no schema is named after a session; login routes never say session',
    async ({ module, info: appInfo }) => {
      const document = await buildDocument(module, appInfo);
      expect(Object.keys(document.components?.schemas ?? {}).filter((name) => /session/i.test(name))).toEqual([]);
      const auth = Object.entries(document.paths).filter(([route]) => route.startsWith('/v1/auth'));
      expect(auth.filter(([, item]) => /session/i.test(JSON.stringify(item))).map(([route]) => route)).toEqual([]);
    },
  );

  it('the lease shapes both APIs answer are the same classes, so the same schema in both documents', async () => {
    const [central, portal] = await Promise.all(
      OPENAPI_FILES.map(({ module, info: appInfo }) => buildDocument(module, appInfo)),
    );
    for (const name of ['LiveLeaseDto', 'LiveLeasePageDto', 'StoppedLeaseDto', 'EndedLeaseDto']) {
      expect({ name, schema: portal.components?.schemas?.[name] }).toEqual({
        name,
        schema: central.components?.schemas?.[name],
      });
      expect(portal.components?.schemas?.[name]).toBeDefined();
    }
  });
});

// Fit for code generators: names, types, errors, headers, servers, security, summaries,
// a clean Redocly lint, the served document equal to the export, and the SDK's types fresh.
describe('OpenAPI documents are fit for generators', () => {
  type Operation = {
    operationId: string;
    summary?: string;
    security?: unknown[];
    parameters?: { name: string; in: string; schema?: Record<string, unknown> }[];
    responses: Record<string, { description?: string; headers?: Record<string, unknown>; 'x-error-codes'?: string[] }>;
  };
  const load = async (file: string) =>
    JSON.parse(await readFile(path.join(__dirname, '..', file), 'utf8')) as {
      paths: Record<string, Record<string, Operation>>;
      components: {
        schemas: Record<string, { properties?: Record<string, Record<string, unknown>> }>;
        securitySchemes: Record<string, { bearerFormat?: string }>;
      };
      servers?: { url: string }[];
    };
  const operations = (document: Awaited<ReturnType<typeof load>>) =>
    Object.entries(document.paths).flatMap(([route, item]) =>
      Object.entries(item).map(([method, operation]) => ({ route, method, operation })),
    );

  it.each(OPENAPI_FILES)(
    '$file: operationIds a person would write, unique, and a summary on each',
    async ({ file }) => {
      const ops = operations(await load(file));
      const ids = ops.map((o) => o.operation.operationId);
      expect(ids.filter((id) => !/^[a-z][a-zA-Z0-9]+$/.test(id) || /Controller/.test(id))).toEqual([]);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ops.filter((o) => !o.operation.summary).map((o) => o.operation.operationId)).toEqual([]);
    },
  );

  it('names the calls of license-central as the issue asks', async () => {
    const document = await load('docs/openapi/license-central.json');
    expect(document.paths['/v1/containers/{containerId}/licenses']['post'].operationId).toBe('createLicense');
    expect(document.paths['/client/v1/seats/checkout']['post'].operationId).toBe('checkoutSeat');
  });

  it.each(OPENAPI_FILES)(
    '$file: no untyped property or parameter (nullable fields keep their type)',
    async ({ file }) => {
      const document = await load(file);
      const bare: string[] = [];
      for (const [schema, { properties }] of Object.entries(document.components.schemas)) {
        for (const [name, property] of Object.entries(properties ?? {})) {
          const typed =
            property['$ref'] ||
            property['allOf'] ||
            property['enum'] ||
            property['items'] ||
            (property['type'] &&
              (property['type'] !== 'object' || property['properties'] || property['additionalProperties']));
          if (!typed) bare.push(`${schema}.${name}`);
        }
      }
      expect(bare).toEqual([]);
      if (file.includes('license-central')) {
        const schemas = document.components.schemas;
        expect(schemas['CreateProductDto'].properties!['description']).toMatchObject({
          type: 'string',
          nullable: true,
        });
        expect(schemas['CreateContainerDto'].properties!['externalId']).toMatchObject({
          type: 'string',
          nullable: true,
        });
      }
      const untyped = operations(document).flatMap(({ operation }) =>
        (operation.parameters ?? [])
          .filter((p) => !p.schema?.['type'] && !p.schema?.['$ref'])
          .map((p) => `${operation.operationId}:${p.name}`),
      );
      expect(untyped).toEqual([]);
      const listApiKeys = operations(document).find((o) => o.operation.operationId === 'listApiKeys');
      if (listApiKeys) {
        expect(listApiKeys.operation.parameters!.find((p) => p.name === 'limit')!.schema).toMatchObject({
          type: 'integer',
        });
        expect(listApiKeys.operation.parameters!.find((p) => p.name === 'includeRevoked')!.schema).toMatchObject({
          type: 'boolean',
        });
      }
    },
  );

  it.each(OPENAPI_FILES)(
    "$file: each error answer lists its codes under the catalogue's status, with Retry-After where a code carries it",
    async ({ file }) => {
      const { ERROR_CATALOGUE } = await import('@leasehold/errors');
      const catalogue = ERROR_CATALOGUE as Record<string, { status: number }>;
      const wrong: string[] = [];
      const missingRetryAfter: string[] = [];
      for (const { operation } of operations(await load(file))) {
        for (const [status, response] of Object.entries(operation.responses)) {
          for (const code of response['x-error-codes'] ?? []) {
            if (catalogue[code]?.status !== Number(status))
              wrong.push(`${operation.operationId} ${status} ${code} (catalogue: ${catalogue[code]?.status})`);
            if (code === 'RATE_LIMITED' && Number(status) === 429 && !response.headers?.['Retry-After'])
              missingRetryAfter.push(`${operation.operationId} ${status}`);
          }
        }
      }
      expect(wrong).toEqual([]);
      expect(missingRetryAfter).toEqual([]);
    },
  );

  it("license-central: checkout's 409 LICENSE_REVOKED is in the spec; unsafe methods take Idempotency-Key and answer Idempotent-Replayed", async () => {
    const document = await load('docs/openapi/license-central.json');
    const checkout = document.paths['/client/v1/seats/checkout']['post'];
    expect(checkout.responses['409']['x-error-codes']).toContain('LICENSE_REVOKED');
    expect(checkout.responses['403']['x-error-codes']).toEqual(
      expect.arrayContaining(['VENDOR_SUSPENDED', 'LICENSE_SUSPENDED']),
    );
    const unsafe = operations(document).filter((o) => ['post', 'patch', 'put', 'delete'].includes(o.method));
    expect(
      unsafe
        .filter((o) => !o.operation.parameters?.some((p) => p.in === 'header' && p.name === 'Idempotency-Key'))
        .map((o) => o.operation.operationId),
    ).toEqual([]);
    expect(document.paths['/v1/products']['post'].responses['201'].headers).toHaveProperty('Idempotent-Replayed');
  });

  it.each(OPENAPI_FILES)(
    '$file: servers, true bearer formats, security stated on every operation',
    async ({ file }) => {
      const document = await load(file);
      expect(document.servers?.length).toBeGreaterThan(0);
      const schemes = document.components.securitySchemes;
      if (file.includes('license-central')) {
        expect(schemes['vendor-key'].bearerFormat).toBe('lh_<prefix>_<secret>');
        expect(schemes['device'].bearerFormat).toBe('lhc_<prefix>_<secret>');
      } else {
        expect(schemes['portal-jwt'].bearerFormat).toBe('JWT');
      }
      expect(
        operations(document)
          .filter((o) => !Array.isArray(o.operation.security))
          .map((o) => o.operation.operationId),
      ).toEqual([]);
    },
  );

  it.each(OPENAPI_FILES)(
    '$file passes Redocly lint (recommended rules) without errors or warnings',
    async ({ file }) => {
      const { createConfig, lintFromString } = await import('@redocly/openapi-core');
      // Health probes have no client errors (operation-4xx-response); every other recommended rule applies.
      const config = await createConfig({ extends: ['recommended'], rules: { 'operation-4xx-response': 'off' } });
      const problems = await lintFromString({
        source: await readFile(path.join(__dirname, '..', file), 'utf8'),
        absoluteRef: file,
        config,
      });
      expect(problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)).toEqual([]);
    },
  );

  it("the SDK's and the vendor client's generated types are those of the exported license-central document", async () => {
    const { execFile } = await import('node:child_process');
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(path.join(tmpdir(), 'openapi-ts-'));
    try {
      const out = path.join(dir, 'types.ts');
      await new Promise<void>((resolve, reject) =>
        execFile(
          path.join(__dirname, '../node_modules/.bin/openapi-typescript'),
          [path.join(__dirname, '../docs/openapi/license-central.json'), '--default-non-nullable', 'false', '-o', out],
          (error) => (error ? reject(error) : resolve()),
        ),
      );
      // Run `npm run openapi` when this fails (it regenerates both).
      for (const copy of [
        'packages/client/src/generated/license-central.ts',
        'packages/vendor-client/src/generated/license-central.ts',
      ]) {
        expect(await readFile(path.join(__dirname, '..', copy), 'utf8')).toBe(await readFile(out, 'utf8'));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('served /docs-json', () => {
  it.each(OPENAPI_FILES)(
    'equals the export $file',
    async ({ file, module, info }) => {
      const { createTestApp } = await import('@leasehold/testing');
      const request = (await import('supertest')).default;
      const app = await createTestApp(module as never, info);
      try {
        const served = await request(app.getHttpServer()).get('/docs-json').expect(200);
        expect(serialise(served.body)).toBe(await readFile(path.join(__dirname, '..', file), 'utf8'));
      } finally {
        await app.close();
      }
    },
    60_000,
  );
});
