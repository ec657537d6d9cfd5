import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { ApiInfo, buildOpenApiDocument } from '@leasehold/http';
import { LICENSE_CENTRAL_API } from '../apps/license-central/src/api-info';
import { AppModule as LicenseCentralModule } from '../apps/license-central/src/app.module';
import { PORTAL_API } from '../apps/portal/src/api-info';
import { AppModule as PortalModule } from '../apps/portal/src/app.module';

export const OPENAPI_FILES: { file: string; module: unknown; info: ApiInfo }[] = [
  { file: 'docs/openapi/license-central.json', module: LicenseCentralModule, info: LICENSE_CENTRAL_API },
  { file: 'docs/openapi/portal.json', module: PortalModule, info: PORTAL_API },
];

/**
 * Builds an app's OpenAPI document without connecting anywhere: preview mode scans modules and
 * controllers but instantiates no provider, so no database or Redis is needed.
 */
export async function buildDocument(module: unknown, info: ApiInfo): Promise<OpenAPIObject> {
  const app = await NestFactory.create(module as never, { preview: true, logger: false, abortOnError: false });
  try {
    return buildOpenApiDocument(app, info);
  } finally {
    await app.close();
  }
}

/** Stable text of a document: sorted keys, so the export only changes when the API does. */
export function serialise(document: OpenAPIObject): string {
  const sort = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sort)
      : value && typeof value === 'object'
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((k) => [k, sort((value as Record<string, unknown>)[k])]),
          )
        : value;
  return JSON.stringify(sort(document), null, 2) + '\n';
}

/** TypeScript types generated (openapi-typescript) from an exported document, for its callers. */
export const GENERATED_TYPES = [
  { document: 'docs/openapi/license-central.json', out: 'packages/client/src/generated/license-central.ts' },
  { document: 'docs/openapi/license-central.json', out: 'packages/vendor-client/src/generated/license-central.ts' },
  { document: 'docs/openapi/portal.json', out: 'apps/portal-web/src/generated/portal.ts' },
];
