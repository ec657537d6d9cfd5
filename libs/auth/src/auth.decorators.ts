import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';

export const AUTH_METHODS = 'leasehold:authMethods';

/** The Passport strategies of Leasehold, by name. */
export type AuthMethod = 'vendor-key' | 'operator' | 'device' | 'device-token' | 'portal-jwt';

/**
 * Requires one of the given authentication methods (and documents it in OpenAPI). `device-token`
 * is the `device` secret resolved by the route itself, so OpenAPI documents it as `device`.
 */
export const Authenticate = (...methods: AuthMethod[]) =>
  applyDecorators(
    SetMetadata(AUTH_METHODS, methods),
    ...methods.map((m) => ApiBearerAuth(m === 'device-token' ? 'device' : m)),
  );

/** The authenticated caller, as returned by the strategy's `validate`. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext) => {
  return ctx.switchToHttp().getRequest<{ user?: unknown }>().user;
});
