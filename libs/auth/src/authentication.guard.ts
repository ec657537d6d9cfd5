import { CanActivate, ExecutionContext, Injectable, Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard, IAuthGuard } from '@nestjs/passport';
import { DomainError, isDomainError } from '@leasehold/errors';
import { IS_PUBLIC } from '@leasehold/http';
import { AUTH_METHODS, AuthMethod } from './auth.decorators';

/**
 * The global guard. Closed by default: a route must say `@Public()` or `@Authenticate(...)`; a
 * route that says neither is refused, so a forgotten decorator never opens a route.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  private readonly guards = new Map<string, IAuthGuard>();

  constructor(private readonly reflector: Reflector) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const methods = this.reflector.getAllAndOverride<AuthMethod[] | undefined>(AUTH_METHODS, targets);
    if (!methods?.length) {
      throw new DomainError('FORBIDDEN', 'This route declares no authentication method and is closed');
    }
    return (await this.guardFor(methods).canActivate(context)) as boolean;
  }

  private guardFor(methods: AuthMethod[]): IAuthGuard {
    const key = methods.join(',');
    let guard = this.guards.get(key);
    if (!guard) {
      const Base: Type<IAuthGuard> = AuthGuard(methods);
      class MethodGuard extends Base {
        // Passport reports "no credentials" as a bare failure; strategies throw DomainErrors for
        // everything else. Both become our error envelope.
        override handleRequest<T>(err: unknown, user: T): T {
          if (err) throw isDomainError(err) ? err : new DomainError('UNAUTHENTICATED', 'Authentication failed');
          if (!user) {
            throw new DomainError('UNAUTHENTICATED', `Authentication required: send "Authorization: Bearer <${methods.join(' or ')}>"`);
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
