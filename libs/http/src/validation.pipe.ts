import { ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError } from '@leasehold/errors';

export interface FieldError {
  field: string;
  messages: string[];
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Validates DTOs (class-validator), rejects unknown fields, and reports each bad field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      return new DomainError('VALIDATION_FAILED', `Invalid request: ${fields.map((f) => f.field).join(', ')}`, {
        fields,
      });
    },
  });
}
