import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'leasehold:isPublic';

/**
 * Marks a route as open to anyone. Routes are closed by default: the global authentication guard
 * refuses any route that names neither `@Public()` nor an authentication method.
 */
export const Public = () => SetMetadata(IS_PUBLIC, true);
