import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

const ref = { $ref: '#/components/schemas/ErrorResponse' };

const BASE: { status: number; description: string }[] = [
  { status: 400, description: 'VALIDATION_FAILED / MALFORMED_JSON' },
  {
    status: 401,
    description: 'UNAUTHENTICATED / CREDENTIALS_INVALID / CREDENTIALS_REVOKED (secret replaced by a reset)',
  },
  { status: 403, description: 'VENDOR_SUSPENDED' },
  {
    status: 429,
    description:
      'RATE_LIMITED: too many requests for this container credential or from this address (per minute); `details.retryAfter`, `Retry-After`',
  },
];

/**
 * Documents the error answers a device (client) route can give, all in the shared error envelope.
 * Answers of the same status are joined (one OpenAPI response per status), so a route's own 403
 * codes are listed with VENDOR_SUSPENDED, not instead of it. List each code under the status the
 * catalogue gives it: scripts/openapi.spec.ts checks.
 */
export const ClientErrors = (...extra: { status: number; description: string }[]) => {
  const byStatus = new Map<number, string[]>();
  for (const { status, description } of [...BASE, ...extra])
    byStatus.set(status, [...(byStatus.get(status) ?? []), description]);
  return applyDecorators(
    ...[...byStatus].map(([status, descriptions]) =>
      ApiResponse({ status, description: descriptions.join(' / '), schema: ref }),
    ),
  );
};
