import { Param, ParseUUIDPipe } from '@nestjs/common';
import { DomainError } from '@leasehold/errors';

/** A path id that must be a UUID; anything else is a 400 VALIDATION_FAILED naming the parameter. */
export const IdParam = (name: string) =>
  Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () =>
        new DomainError('VALIDATION_FAILED', `${name} must be a UUID`, {
          fields: [{ field: name, messages: [`${name} must be a UUID`] }],
        }),
    }),
  );
