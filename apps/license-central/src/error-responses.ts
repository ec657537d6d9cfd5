import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

const ref = { $ref: '#/components/schemas/ErrorResponse' };

/** Documents the error answers a vendor route can give, all in the shared error envelope. */
export const VendorErrors = (...extra: number[]) =>
  applyDecorators(
    ApiResponse({ status: 400, description: 'VALIDATION_FAILED / MALFORMED_JSON / MALFORMED_BODY', schema: ref }),
    ApiResponse({
      status: 401,
      description: 'UNAUTHENTICATED / API_KEY_INVALID / API_KEY_REVOKED / API_KEY_EXPIRED',
      schema: ref,
    }),
    ApiResponse({ status: 404, description: 'NOT_FOUND (also for ids of another vendor)', schema: ref }),
    ApiResponse({
      status: 429,
      description:
        'RATE_LIMITED: too many requests for this API key or from this address (per minute); `details.retryAfter`, `Retry-After`',
      schema: ref,
    }),
    ...extra.map((status) =>
      ApiResponse({ status, description: 'See the error codes in the description', schema: ref }),
    ),
  );
