import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

const ref = { $ref: '#/components/schemas/ErrorResponse' };

/** Documents the error answers a device (client) route can give, all in the shared error envelope. */
export const ClientErrors = (...extra: { status: number; description: string }[]) =>
  applyDecorators(
    ApiResponse({ status: 400, description: 'VALIDATION_FAILED / MALFORMED_JSON', schema: ref }),
    ApiResponse({ status: 401, description: 'UNAUTHENTICATED / CREDENTIALS_INVALID / CREDENTIALS_REVOKED (secret replaced by a reset)', schema: ref }),
    ApiResponse({ status: 403, description: 'VENDOR_SUSPENDED', schema: ref }),
    ApiResponse({
      status: 429,
      description: 'RATE_LIMITED: too many requests for this container credential or from this address (per minute); `details.retryAfter`, `Retry-After`',
      schema: ref,
    }),
    ...extra.map((e) => ApiResponse({ status: e.status, description: e.description, schema: ref })),
  );
