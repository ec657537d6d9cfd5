import { ErrorCode, statusOf } from './error-codes';

/**
 * The one error type that domain code throws for anything a caller can act on. The HTTP layer maps
 * it to `{ error: { code, message, details }, requestId }` with the status from the catalogue.
 */
export class DomainError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
    this.status = statusOf(code);
  }

  static notFound(entity: string, id?: string): DomainError {
    return new DomainError('NOT_FOUND', id ? `${entity} ${id} was not found` : `${entity} was not found`, {
      entity,
      ...(id ? { id } : {}),
    });
  }
}

export function isDomainError(value: unknown): value is DomainError {
  return value instanceof DomainError;
}
