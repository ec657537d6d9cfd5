import { createHash } from 'node:crypto';
import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  RequestMethod,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { INTERCEPTORS_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { from, Observable, of } from 'rxjs';
import { catchError, mergeMap } from 'rxjs/operators';
import { DomainError } from '@leasehold/errors';
import { IdempotencyStore } from '@leasehold/idempotency';

const KEY = /^[\x21-\x7e]{1,255}$/;
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** JSON with sorted keys, so the same body written in another key order hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Who is calling, for scoping keys: each caller has its own key space. */
function callerScope(request: Request): string {
  const user = request.user as
    | {
        kind?: string;
        vendorId?: string;
        userId?: string;
        containerId?: string;
        credentialHash?: string;
      }
    | undefined;
  if (!user?.kind) return `anonymous:${request.ip ?? ''}`;
  return [user.kind, user.vendorId, user.userId, user.containerId, user.credentialHash].filter(Boolean).join(':');
}

const OWN_IDEMPOTENCY = 'leasehold:ownIdempotency';

/**
 * Marks a route that gives `Idempotency-Key` its own meaning (the ERP intake deduplicates events by
 * it in its own table, after verifying the signature): the interceptor leaves such routes alone.
 */
export const HandlesOwnIdempotency = () => SetMetadata(OWN_IDEMPOTENCY, true);

/**
 * Honours the `Idempotency-Key` header on unsafe methods: the first request with a key acts and
 * its answer is stored; a retry with the same key and body gets that answer again (header
 * `Idempotent-Replayed: true`); the same key with a different body is refused.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly idempotency: IdempotencyStore,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const header = request.headers['idempotency-key'];
    if (!UNSAFE.has(request.method) || header === undefined) return next.handle();
    if (this.reflector.getAllAndOverride<boolean>(OWN_IDEMPOTENCY, [context.getHandler(), context.getClass()]))
      return next.handle();
    if (typeof header !== 'string' || !KEY.test(header)) {
      throw new DomainError('VALIDATION_FAILED', 'Idempotency-Key must be 1 to 255 visible ASCII characters', {
        fields: [
          {
            field: 'Idempotency-Key',
            messages: ['must be 1 to 255 visible ASCII characters'],
          },
        ],
      });
    }
    const response = context.switchToHttp().getResponse<Response>();
    const scope = callerScope(request);
    const requestHash = createHash('sha256')
      .update(`${request.method} ${request.originalUrl}\n${canonicalJson(request.body)}`)
      .digest('hex');

    return from(this.idempotency.claim(scope, header, requestHash)).pipe(
      mergeMap((claim) => {
        switch (claim.state) {
          case 'mismatch':
            throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request');
          case 'in-progress':
            throw new DomainError(
              'IDEMPOTENCY_REQUEST_IN_PROGRESS',
              'A request with this Idempotency-Key is still being processed',
              {
                retryAfter: 1,
              },
            );
          case 'replay':
            response.status(claim.statusCode);
            response.setHeader('Idempotent-Replayed', 'true');
            return of(claim.body);
          case 'claimed':
            return next.handle().pipe(
              mergeMap((body) =>
                from(this.idempotency.complete(scope, header, response.statusCode, body).then(() => body)),
              ),
              catchError((error: unknown) =>
                from(this.idempotency.release(scope, header)).pipe(
                  mergeMap(() => {
                    throw error;
                  }),
                ),
              ),
            );
        }
      }),
    );
  }
}

const UNSAFE_ROUTES = new Set([RequestMethod.POST, RequestMethod.PUT, RequestMethod.PATCH, RequestMethod.DELETE]);

/** Whether a controller method is a route of an unsafe method (POST, PUT, PATCH, DELETE). */
export function isUnsafeRoute(handler: unknown): boolean {
  return typeof handler === 'function' && UNSAFE_ROUTES.has(Reflect.getMetadata(METHOD_METADATA, handler));
}

/** Whether the idempotency interceptor runs on this controller method, or the method handles the key itself. */
export function honoursIdempotencyKeys(
  controller: abstract new (...args: never[]) => unknown,
  handler: unknown,
): boolean {
  if (typeof handler !== 'function') return false;
  if (Reflect.getMetadata(OWN_IDEMPOTENCY, handler) || Reflect.getMetadata(OWN_IDEMPOTENCY, controller)) return true;
  const interceptors: unknown[] = [
    ...((Reflect.getMetadata(INTERCEPTORS_METADATA, controller) as unknown[] | undefined) ?? []),
    ...((Reflect.getMetadata(INTERCEPTORS_METADATA, handler) as unknown[] | undefined) ?? []),
  ];
  return interceptors.includes(IdempotencyInterceptor);
}

/**
 * Class decorator of every controller with unsafe routes: the idempotency interceptor on each of
 * its POST, PUT, PATCH and DELETE routes (`@UseInterceptors`, as if written on each), and on no
 * other. Not a global interceptor: Nest wraps every route that has any interceptor in an rxjs chain
 * and two `AsyncResource.bind`s per request, which the safe routes (probes, reads) paid for nothing
 * (docs/benchmarks.md, fifth session). `idempotency.e2e.spec.ts` checks that every unsafe route of
 * license-central has it.
 */
export function IdempotentWrites(): ClassDecorator {
  return (target) => {
    const prototype = target.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const descriptor = Object.getOwnPropertyDescriptor(prototype, name);
      if (name === 'constructor' || !descriptor || !isUnsafeRoute(descriptor.value)) continue;
      if (Reflect.getMetadata(OWN_IDEMPOTENCY, descriptor.value as object)) continue;
      UseInterceptors(IdempotencyInterceptor)(prototype, name, descriptor);
    }
  };
}
