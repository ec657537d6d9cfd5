import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { domainErrorForDatabaseError } from '@leasehold/db';
import { databaseUnavailable, DomainError, ErrorCode, isDatabaseUnavailable } from '@leasehold/errors';
import { requestId as assignRequestId, redactUrl } from './logging.module';

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
  requestId: string;
}

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/**
 * Gives every error the same JSON shape: `{ error: { code, message, details? }, requestId }`.
 * Domain errors keep their code; framework errors get a code from their status; anything else is a
 * 500 with no internals in the body (the stack goes to the log with the request id).
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request & { id?: string }>();
    const response = http.getResponse<Response>();
    // Errors raised before the logging middleware ran (e.g. the body parser's malformed JSON) have
    // no request id yet: assign one here, so every error answer carries it in body and header.
    const requestId = request.id ? String(request.id) : response.headersSent ? '' : assignRequestId(request, response);
    const { status, body, headers } = this.toResponse(exception, request);
    if (status >= 500) {
      this.logger.error({ err: exception, requestId, path: redactUrl(request.url) }, 'request failed');
    }
    if (response.headersSent) return;
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    response.status(status).json({ ...body, requestId } satisfies ErrorBody);
  }

  private toResponse(
    exception: unknown,
    request: Request,
  ): { status: number; body: Omit<ErrorBody, 'requestId'>; headers: Record<string, string> } {
    // A lost or unreachable database (failover, pooler restart, terminated backend, pool timeout):
    // 503 DATABASE_UNAVAILABLE with Retry-After, never a 500 (docs/operations.md).
    if (
      !(exception instanceof DomainError) &&
      !(exception instanceof HttpException) &&
      isDatabaseUnavailable(exception)
    ) {
      exception = databaseUnavailable();
    }
    if (exception instanceof DomainError) {
      const headers: Record<string, string> = {};
      const retryAfter = exception.details?.['retryAfter'];
      // The header means "slow down / come back later" to HTTP clients (RFC 9110 §10.2.3), so it goes
      // only with 429 and 503; a 409 such as NO_SEAT_AVAILABLE or ACTIVATION_CHURN_LIMIT keeps `retryAfter` in the body only.
      if (typeof retryAfter === 'number' && (exception.status === 429 || exception.status === 503))
        headers['Retry-After'] = String(Math.max(1, Math.ceil(retryAfter)));
      return {
        status: exception.status,
        body: {
          error: {
            code: exception.code,
            message: exception.message,
            ...(exception.details ? { details: exception.details } : {}),
          },
        },
        headers,
      };
    }
    const clientError = requestReadingError(exception);
    if (clientError) return this.toResponse(clientError, request);
    // A violated database constraint is the caller's doing: its domain code (PRODUCT_IN_USE, …).
    const violation = domainErrorForDatabaseError(exception);
    if (violation) return this.toResponse(violation, request);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === HttpStatus.NOT_FOUND && /^Cannot [A-Z]+ /.test(exception.message)) {
        return {
          status,
          body: { error: { code: 'ROUTE_NOT_FOUND', message: `No route for ${request.method} ${request.path}` } },
          headers: {},
        };
      }
      // Nest turns body-parser's SyntaxError into a bare 400; our own validation errors are DomainErrors.
      if (status === HttpStatus.BAD_REQUEST && /JSON/i.test(exception.message)) {
        return {
          status,
          body: {
            error: { code: 'MALFORMED_JSON', message: `The request body is not valid JSON: ${exception.message}` },
          },
          headers: {},
        };
      }
      const code = STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'CONFLICT');
      const message = status >= 500 && status !== 503 ? 'Internal server error' : exception.message;
      // A 503 (readiness) carries which dependency is down; nothing else exposes framework bodies.
      const payload = exception.getResponse();
      const details = status === 503 && typeof payload === 'object' ? (payload as Record<string, unknown>) : undefined;
      return { status, body: { error: { code, message, ...(details ? { details } : {}) } }, headers: {} };
    }
    return { status: 500, body: { error: { code: 'INTERNAL_ERROR', message: 'Internal server error' } }, headers: {} };
  }
}

/**
 * Errors raised while reading the request, before any route ran: body-parser's (http-errors with
 * `expose: true` and a 4xx `status`: unknown charset or Content-Encoding, corrupt gzip, a length
 * mismatch, too large, bad JSON) and the router's undecodable path. They keep their 4xx.
 */
function requestReadingError(exception: unknown): DomainError | undefined {
  if (exception instanceof HttpException || exception instanceof DomainError) return undefined;
  const error = exception as { type?: unknown; status?: unknown; expose?: unknown; name?: unknown } | null;
  const status = typeof error?.status === 'number' ? error.status : undefined;
  if (!status || status < 400 || status >= 500) return undefined;
  if (error?.name === 'URIError')
    return new DomainError('VALIDATION_FAILED', 'The path is not valid percent-encoded UTF-8', {
      fields: [{ field: 'path', messages: ['malformed percent-encoding'] }],
    });
  if (error?.expose !== true) return undefined;
  if (error.type === 'entity.parse.failed')
    return new DomainError('MALFORMED_JSON', 'The request body is not valid JSON');
  if (status === 413) return new DomainError('PAYLOAD_TOO_LARGE', 'The request body is too large');
  if (status === 415) {
    const reason =
      error.type === 'charset.unsupported'
        ? 'UNSUPPORTED_CHARSET'
        : error.type === 'encoding.unsupported'
          ? 'UNSUPPORTED_ENCODING'
          : 'UNSUPPORTED_TYPE';
    return new DomainError(
      'UNSUPPORTED_MEDIA_TYPE',
      'The request body has an unsupported charset or Content-Encoding (JSON in UTF-8; identity, gzip, deflate or br)',
      { reason },
    );
  }
  if (status === 400)
    return new DomainError(
      'MALFORMED_BODY',
      'The request body cannot be read (corrupt compression or a length that does not match Content-Length)',
    );
  const code = STATUS_CODES[status];
  return code ? new DomainError(code, 'The request cannot be read') : undefined;
}
