import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ERROR_CATALOGUE } from '@leasehold/errors';

export interface ApiInfo {
  title: string;
  description: string;
  /** The bearer schemes the app accepts, e.g. `{ 'vendor-key': 'Vendor API key (lh_...)' }`. */
  bearerSchemes: Record<string, string>;
}

export const API_VERSION = '1.0.0';

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
    .setVersion(API_VERSION);
  for (const [name, description] of Object.entries(info.bearerSchemes)) {
    builder.addBearerAuth({ type: 'http', scheme: 'bearer', description }, name);
  }
  const document = SwaggerModule.createDocument(app, builder.build());
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
  // Any route can meet a database failover or a Redis outage: a 503 with Retry-After, never a 401.
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (!operation || operation.responses['503']) continue;
      operation.responses['503'] = {
        description: 'DATABASE_UNAVAILABLE / SERVICE_UNAVAILABLE: a dependency is down for a moment (failover, restart). Retry after `Retry-After` seconds; a write retried with the same Idempotency-Key is applied once (docs/operations.md).',
        headers: { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } } },
        content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } },
      };
    }
  }
  return document;
}
