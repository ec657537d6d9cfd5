import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ERROR_CATALOGUE } from '@leasehold/errors';

export interface BearerScheme {
  description: string;
  /** What the token looks like (OpenAPI `bearerFormat`), e.g. `lh_<prefix>_<secret>` or `JWT`. */
  bearerFormat: string;
}

export interface ApiInfo {
  title: string;
  description: string;
  /** The bearer schemes the app accepts, e.g. `{ 'vendor-key': { description, bearerFormat: 'lh_<prefix>_<secret>' } }`. */
  bearerSchemes: Record<string, string | BearerScheme>;
  /** operationId by `<Controller>_<method>`: the names a generated client's methods get. */
  operationIds?: Record<string, string>;
  /** The app honours `Idempotency-Key` on unsafe methods (IdempotencyInterceptor is registered). */
  idempotencyKeys?: boolean;
  /** Base URLs (OpenAPI `servers`); the first is the development default. */
  servers?: { url: string; description: string }[];
}

export const API_VERSION = '1.0.0';

type Operation = {
  operationId?: string;
  summary?: string;
  description?: string;
  parameters?: { name: string; in: string; [key: string]: unknown }[];
  responses?: Record<
    string,
    {
      description?: string;
      content?: Record<string, { schema?: unknown }>;
      headers?: Record<string, unknown>;
      [key: string]: unknown;
    }
  >;
  [key: string]: unknown;
};

const ERROR_REF = '#/components/schemas/ErrorResponse';
const UNSAFE_METHODS = new Set(['post', 'put', 'patch', 'delete']);
/** Codes whose 429/503 answer carries a `Retry-After` header (the exception filter sets it from `details.retryAfter`). */
const RETRY_AFTER_CODES = new Set(['RATE_LIMITED', 'SERVICE_UNAVAILABLE', 'DATABASE_UNAVAILABLE']);

/** Builds the OpenAPI document of an app, with the shared error envelope and error-code catalogue. */
export function buildOpenApiDocument(app: INestApplication, info: ApiInfo): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle(info.title)
    .setDescription(
      `${info.description}\n\nEvery error answers \`{ "error": { "code", "message", "details"? }, "requestId" }\`. ` +
        'Error codes:\n\n' +
        Object.entries(ERROR_CATALOGUE)
          .map(([code, { status, description }]) => `- \`${code}\` (${status}): ${description}`)
          .join('\n'),
    )
    .setVersion(API_VERSION)
    .setLicense('MIT', 'https://opensource.org/licenses/MIT');
  for (const server of info.servers ?? []) builder.addServer(server.url, server.description);
  for (const [name, scheme] of Object.entries(info.bearerSchemes)) {
    const { description, bearerFormat } =
      typeof scheme === 'string' ? { description: scheme, bearerFormat: undefined } : scheme;
    builder.addBearerAuth(
      { type: 'http', scheme: 'bearer', description, ...(bearerFormat ? { bearerFormat } : {}) },
      name,
    );
  }
  const document = withUniqueSchemaNames(() =>
    SwaggerModule.createDocument(app, builder.build(), {
      operationIdFactory: (controllerKey, methodKey) =>
        info.operationIds?.[`${controllerKey}_${methodKey}`] ?? `${controllerKey}_${methodKey}`,
    }),
  );
  document.components ??= {};
  document.components.schemas = {
    ...document.components.schemas,
    ErrorResponse: {
      type: 'object',
      required: ['error', 'requestId'],
      properties: {
        error: {
          type: 'object',
          required: ['code', 'message'],
          properties: {
            code: { type: 'string', enum: Object.keys(ERROR_CATALOGUE) },
            message: { type: 'string' },
            details: { type: 'object', additionalProperties: true },
          },
        },
        requestId: { type: 'string' },
      },
    },
  };
  document.components.headers = {
    ...(document.components.headers as Record<string, unknown>),
    'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 0 } },
    ...(info.idempotencyKeys
      ? {
          'Idempotent-Replayed': {
            description:
              '`true` when this answer is the stored answer of an earlier request with the same `Idempotency-Key`.',
            schema: { type: 'string', enum: ['true'] },
          },
        }
      : {}),
  } as never;
  // Any route can meet a database failover or a Redis outage: a 503 with Retry-After, never a 401.
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (!operation || operation.responses['503']) continue;
      operation.responses['503'] = {
        description:
          'DATABASE_UNAVAILABLE / SERVICE_UNAVAILABLE: a dependency is down for a moment (failover, restart). Retry after `Retry-After` seconds; a write retried with the same Idempotency-Key is applied once (docs/operations.md).',
        headers: { 'Retry-After': { $ref: '#/components/headers/Retry-After' } },
        content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } },
      };
    }
  }
  refineOperations(document, info);
  return document;
}

/**
 * Runs `build` (a synchronous `SwaggerModule.createDocument`) while recording which class each
 * component schema comes from, and throws when two different classes share a schema name.
 * @nestjs/swagger keys schemas by class name and lets the last class win (at most a warning, and
 * none when the shapes happen to be equal), so two `SessionDto`s (a login and a live lease, once) silently describe one route with
 * the other's shape.
 */
export function withUniqueSchemaNames<T>(build: () => T): T {
  const prototype = schemaObjectFactory().prototype;
  const original = prototype.getSchemaMetadata;
  const classes = new Map<string, Set<unknown>>();
  // Every model's name is read here: when a schema is built, and when a property refers to one
  // (where swagger skips building it again if the name is already taken, so a second class would
  // never reach the schema builder at all).
  prototype.getSchemaMetadata = function (this: unknown, type: unknown) {
    const metadata = original.call(this, type);
    classes.set(metadata.schemaName, (classes.get(metadata.schemaName) ?? new Set()).add(type));
    return metadata;
  };
  try {
    const result = build();
    const clashes = [...classes]
      .filter(([, models]) => models.size > 1)
      .map(([name, models]) => `${name} (${models.size} classes)`);
    if (clashes.length > 0)
      throw new Error(
        `OpenAPI: two different classes produce the same schema name, so one would silently replace the other: ${clashes.join(', ')}. Rename one of them.`,
      );
    return result;
  } finally {
    prototype.getSchemaMetadata = original;
  }
}

/**
 * The class @nestjs/swagger builds component schemas with. Its package exports only the entry
 * point, so the file is required by path beside it (the same module instance swagger uses).
 */
function schemaObjectFactory(): {
  prototype: { getSchemaMetadata: (this: unknown, type: unknown) => { schemaName: string } };
} {
  // Node's own require, not a bundler's: in the production build (webpack) `require.resolve` answers a module id.
  const nodeRequire = createRequire(__filename);
  const file = path.join(path.dirname(nodeRequire.resolve('@nestjs/swagger')), 'services', 'schema-object-factory.js');
  const factory = (nodeRequire(file) as { SchemaObjectFactory?: { prototype: { getSchemaMetadata?: unknown } } })
    .SchemaObjectFactory;
  if (typeof factory?.prototype.getSchemaMetadata !== 'function')
    throw new Error(
      `OpenAPI: @nestjs/swagger no longer has SchemaObjectFactory.getSchemaMetadata (${file}); update withUniqueSchemaNames`,
    );
  return factory as never;
}

/**
 * What a code generator needs besides the controllers' decorators: a summary on every operation,
 * the error codes of each error answer (`x-error-codes`, read from the descriptions, checked
 * against the catalogue by scripts/openapi.spec.ts), `Retry-After` where a code carries it, and
 * the `Idempotency-Key` request header / `Idempotent-Replayed` answer header of unsafe methods.
 */
function refineOperations(document: OpenAPIObject, info: ApiInfo): void {
  const codes = Object.keys(ERROR_CATALOGUE);
  for (const [, pathItem] of Object.entries(document.paths)) {
    for (const [method, value] of Object.entries(pathItem as Record<string, Operation>)) {
      if (typeof value !== 'object' || value === null || !('responses' in value)) continue;
      const operation = value;
      operation.summary ??= summaryOf(operation);
      // A route without a bearer scheme is public (health, public keys, portal login): say so.
      operation['security'] ??= [];
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const isError = Number(status) >= 400 && JSON.stringify(response.content ?? {}).includes(ERROR_REF);
        if (isError) {
          const listed = codes.filter((code) => new RegExp(`\\b${code}\\b`).test(response.description ?? ''));
          if (listed.length > 0) response['x-error-codes'] = listed;
          // The exception filter sends Retry-After with 429 and 503 answers (a 409 keeps `retryAfter` in its body).
          if ((status === '429' || status === '503') && listed.some((code) => RETRY_AFTER_CODES.has(code))) {
            response.headers = { ...response.headers, 'Retry-After': { $ref: '#/components/headers/Retry-After' } };
          }
        }
      }
      if (!info.idempotencyKeys || !UNSAFE_METHODS.has(method)) continue;
      operation.parameters ??= [];
      if (!operation.parameters.some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key')) {
        operation.parameters.push({
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Makes a retry safe: the same key with the same body within 24 hours answers the first answer again (header `Idempotent-Replayed: true`); with a different body, 422 IDEMPOTENCY_KEY_REUSED.',
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        });
        for (const [status, response] of Object.entries(operation.responses ?? {})) {
          if (Number(status) < 300)
            response.headers = {
              ...response.headers,
              'Idempotent-Replayed': { $ref: '#/components/headers/Idempotent-Replayed' },
            };
        }
      }
    }
  }
}

/** "checkoutSeat" → "Checkout seat": a readable default where a route states no summary. */
function summaryOf(operation: Operation): string {
  const id = operation.operationId ?? '';
  const words = id
    .replace(/_/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
