import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

const ref = { $ref: '#/components/schemas/ErrorResponse' };

/** Documents the error answers a portal route can give, all in the shared error envelope. */
export const PortalErrors = (...extra: { status: number; description: string }[]) =>
  applyDecorators(
    ApiResponse({ status: 400, description: 'VALIDATION_FAILED / MALFORMED_JSON', schema: ref }),
    ...extra.map(({ status, description }) => ApiResponse({ status, description, schema: ref })),
  );

/** The errors of a route behind `portal-jwt`. */
export const AuthenticatedErrors = (...extra: { status: number; description: string }[]) =>
  PortalErrors(
    { status: 401, description: 'UNAUTHENTICATED / TOKEN_INVALID / TOKEN_EXPIRED / TOKEN_REVOKED' },
    ...extra,
  );

/** The errors of a group-admin route. */
export const GroupAdminErrors = (...extra: { status: number; description: string }[]) =>
  AuthenticatedErrors(
    { status: 403, description: 'GROUP_ADMIN_REQUIRED (the caller is not an admin of a group)' },
    { status: 404, description: 'NOT_FOUND (also for users of another group or vendor)' },
    ...extra,
  );
