import type { INestApplication } from '@nestjs/common';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { ConfigService } from '@leasehold/config';
import { tenantContextMiddleware } from '@leasehold/db';
import { AllExceptionsFilter } from './exception.filter';
import { loggingOf, requestLogging } from './logging.module';
import { ApiInfo, buildOpenApiDocument } from './openapi';
import { configureRequestParsing } from './request-parsing';
import { createValidationPipe } from './validation.pipe';

/**
 * The HTTP set-up both APIs share: structured logger, error envelope, validation, OpenAPI at
 * `/docs` (JSON at `/docs-json`) and graceful shutdown. Tests call it too, so they see what users see.
 */
export function configureHttpApp(app: INestApplication, info: ApiInfo): void {
  configureProbeApp(app);
  app.useGlobalPipes(createValidationPipe());
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app, info), { jsonDocumentUrl: 'docs-json' });
}

/**
 * What every HTTP server of ours has, the worker's probe server included: structured logger, the
 * error envelope, our body parsers and input checks (see request-parsing.ts), graceful shutdown.
 */
export function configureProbeApp(app: INestApplication): void {
  app.useLogger(app.get(Logger));
  const { root, settings } = loggingOf(app);
  app.use(requestLogging(root, settings)); // first: every request has its id and its line, malformed bodies too
  // Each request's tenant store (authentication fills it, the tenant-scoped client reads it), as a
  // plain Express middleware: through Nest's MiddlewareConsumer every request also paid Nest's
  // wrapper (a WeakSet of handled requests) and a router layer (docs/benchmarks.md, thirteenth session).
  app.use(tenantContextMiddleware);
  app.useGlobalFilters(new AllExceptionsFilter());
  configureRequestParsing(app);
  app.enableShutdownHooks();
  const http = app.getHttpAdapter().getInstance() as { disable?: (setting: string) => void };
  http.disable?.('x-powered-by');
  // No ETag on JSON answers: Express hashed every answer's bytes (SHA-1) for it, and no client of
  // these APIs revalidates (answers are per credential and change with every lease; the device lane
  // never sent one). Static files (the portal's web app) keep serve-static's own ETags.
  http.disable?.('etag');
  applyTrustProxy(app);
}

/**
 * Express `trust proxy` = TRUST_PROXY hops: `req.ip` (rate limits, login throttling, logs) is the
 * client's address as reported by that many reverse proxies in `X-Forwarded-For`; with 0 (the
 * default) it is the TCP peer and the header, which anyone can forge, is ignored.
 */
export function applyTrustProxy(app: INestApplication): void {
  const http = app.getHttpAdapter().getInstance() as { set?: (setting: string, value: unknown) => void };
  http.set?.('trust proxy', app.get(ConfigService).get('TRUST_PROXY'));
}
