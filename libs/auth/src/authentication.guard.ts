import { CanActivate, ExecutionContext, Injectable, Logger, Optional, Type } from '@nestjs/common';
import type { Request } from 'express';
import { Reflector } from '@nestjs/core';
import { AuthGuard, IAuthGuard } from '@nestjs/passport';
import { databaseUnavailable, DomainError, isDatabaseUnavailable, isDomainError } from '@leasehold/errors';
import { IS_PUBLIC } from '@leasehold/http';
import { AUTH_METHODS, AuthMethod } from './auth.decorators';
import { bearerToken } from './header-bearer.strategy';
import { RateLimitedApi, RequestRateLimits } from './request-rate-limits';
import type { VendorLimits } from '@leasehold/domain-vendors';

/** The request as the guard leaves it: the vendor's plan, when the route is rate-limited. */
export type RateLimitedRequest = Request & { vendorLimits?: VendorLimits | null };

/** Which API's rate limits a route's authentication methods put it under (none: not limited here). */
function rateLimitedApi(methods: AuthMethod[]): RateLimitedApi | null {
  if (methods.includes('device') || methods.includes('device-token')) return 'device';
  if (methods.includes('vendor-key')) return 'vendor';
  return null;
}

/**
 * What a strategy's error answers: its DomainError (a verdict on the credentials), or, for any
 * other error (the database dropped the connection, Redis is away), 503 DATABASE_UNAVAILABLE or
 * SERVICE_UNAVAILABLE with Retry-After, never a 401/403, or a program that trusts the answer would
 * deactivate a valid license. The cause goes to the log, not into the answer.
 */
export function authenticationFailure(err: unknown, methods: AuthMethod[], logger: Logger): DomainError {
  if (isDomainError(err)) return err;
  logger.warn({ err, methods }, 'authentication could not be completed (infrastructure error); answering 503');
  if (isDatabaseUnavailable(err)) return databaseUnavailable();
  return new DomainError(
    'SERVICE_UNAVAILABLE',
    'Authentication could not be completed; retry after the Retry-After seconds',
    { retryAfter: 2 },
  );
}

const PUBLIC = 'public';
/** What a route asks of a request: nothing (`@Public()`), or one of its authentication methods (none: closed). */
type RoutePolicy = typeof PUBLIC | AuthMethod[];

/**
 * The global guard. Closed by default: a route must say `@Public()` or `@Authenticate(...)`; a
 * route that says neither is refused, so a forgotten decorator never opens a route.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  private readonly guards = new Map<string, IAuthGuard>();
  /** Per controller, per handler. */
  private readonly policies = new WeakMap<Type, WeakMap<object, RoutePolicy>>();
  private readonly logger = new Logger('Authentication');

  constructor(
    private readonly reflector: Reflector,
    // license-central only: the vendor API and the device API are rate-limited (the portal's
    // public auth routes have their own throttle).
    @Optional() private readonly rateLimits?: RequestRateLimits,
  ) {}

  /**
   * Public routes answer synchronously (no promise, no await in Nest's guard chain); the others
   * are counted against their rate limits and authenticated.
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const methods = this.policyOf(context.getClass(), context.getHandler());
    return methods === PUBLIC ? true : this.authenticate(context, methods);
  }

  private async authenticate(context: ExecutionContext, methods: AuthMethod[]): Promise<boolean> {
    if (!methods.length) {
      throw new DomainError('FORBIDDEN', 'This route declares no authentication method and is closed');
    }
    const api = this.rateLimits ? rateLimitedApi(methods) : null;
    if (api && this.rateLimits) {
      // Counted before authentication (no database access): a flood is refused cheaply, whatever it sends.
      const request = context.switchToHttp().getRequest<RateLimitedRequest>();
      request.vendorLimits = await this.rateLimits.admit(
        api,
        bearerToken(request.headers.authorization),
        request.ip ?? '',
      );
    }
    return (await this.guardFor(methods).canActivate(context)) as boolean;
  }

  /**
   * The route's policy from its decorators (the handler's override the class's): PUBLIC, or its
   * authentication methods (none: closed). Decorators are fixed once the app runs, so it is read
   * once per route, not per request (the metadata lookups cost more than a public route's answer).
   */
  private policyOf(controller: Type, handler: object): RoutePolicy {
    let routes = this.policies.get(controller);
    if (!routes) this.policies.set(controller, (routes = new WeakMap()));
    let policy = routes.get(handler);
    if (policy === undefined) {
      const targets = [handler as () => unknown, controller];
      policy = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)
        ? PUBLIC
        : (this.reflector.getAllAndOverride<AuthMethod[] | undefined>(AUTH_METHODS, targets) ?? []);
      routes.set(handler, policy);
    }
    return policy;
  }

  private guardFor(methods: AuthMethod[]): IAuthGuard {
    const key = methods.join(',');
    let guard = this.guards.get(key);
    if (!guard) {
      const Base: Type<IAuthGuard> = AuthGuard(methods);
      const logger = this.logger;
      class MethodGuard extends Base {
        // Passport reports "no credentials" as a bare failure; strategies throw DomainErrors for
        // every verdict on the credentials; anything else is the infrastructure failing.
        override handleRequest<T>(err: unknown, user: T): T {
          if (err) throw authenticationFailure(err, methods, logger);
          if (!user) {
            throw new DomainError(
              'UNAUTHENTICATED',
              `Authentication required: send "Authorization: Bearer <${methods.join(' or ')}>"`,
            );
          }
          return user;
        }
      }
      guard = new MethodGuard();
      this.guards.set(key, guard);
    }
    return guard;
  }
}
