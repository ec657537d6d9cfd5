import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
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

/** True only for a value that the field's class-validator rules certainly accept. */
export type FastFieldCheck = (value: unknown) => boolean;

type DtoClass = abstract new () => object;

const FAST_BODY_CHECKS = new Map<unknown, (body: Record<string, unknown>) => boolean>();

function printableAscii(value: string, lowest: number): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < lowest || c > 0x7e) return false;
  }
  return true;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * Field checks for `@FastBody`, each narrower than (or equal to) the class-validator rules it
 * stands for: a value they do not accept is left to class-validator, which then accepts or
 * refuses it with its own messages. Strings are accepted only as printable ASCII, where
 * class-validator's length (which counts a surrogate pair as one) is the string's length.
 */
export const fastField = {
  /** `@IsString() @Length(min, max)` (and a pattern of printable ASCII from `lowest` on: 0x21 = no space). */
  string:
    (min: number, max: number, lowest = 0x20): FastFieldCheck =>
    (value) =>
      typeof value === 'string' && value.length >= min && value.length <= max && printableAscii(value, lowest),
  /** `@IsString() @Matches(pattern)`. */
  matching:
    (pattern: RegExp): FastFieldCheck =>
    (value) =>
      typeof value === 'string' && pattern.test(value),
  /** `@IsInt() @Min(min) @Max(max)`. */
  int:
    (min: number, max: number): FastFieldCheck =>
    (value) =>
      typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
  /** `@IsUUID()` (RFC 4122 shape, versions 1–8). */
  uuid: (): FastFieldCheck => (value) => typeof value === 'string' && UUID.test(value),
  /** `@IsOptional()` before the rules of `check`: absent or null is accepted as class-validator does. */
  optional:
    (check: FastFieldCheck): FastFieldCheck =>
    (value) =>
      value === undefined || value === null || check(value),
};

/**
 * Class decorator for the DTO of a hot route (the device API): a body whose every field passes
 * `fields` (and has no other field) becomes the DTO without class-transformer and class-validator,
 * which cost more per request than the route's own work. Anything else (a missing or unknown
 * field, a value the check does not accept) goes through the full validation pipe unchanged, so
 * refusals keep their exact messages. `fields` must restate the DTO's rules, never widen them:
 * validation.pipe.spec.ts checks every decorated DTO against class-validator.
 */
export function FastBody(fields: Record<string, FastFieldCheck>): ClassDecorator {
  const names = Object.keys(fields);
  const required = names.filter((name) => !fields[name](undefined));
  return (target) => {
    FAST_BODY_CHECKS.set(target, (body) => {
      for (const name of required) if (!(name in body)) return false;
      for (const name in body) {
        if (!Object.prototype.hasOwnProperty.call(fields, name)) return false;
        if (!fields[name](body[name])) return false;
      }
      return true;
    });
  };
}

/** The DTO classes with a `@FastBody` check (for the test that holds each to class-validator). */
export function fastBodyClasses(): DtoClass[] {
  return [...FAST_BODY_CHECKS.keys()] as DtoClass[];
}

/**
 * The DTO `metatype` built from `value` when its `@FastBody` check accepts it; undefined when the
 * DTO has no such check or the value needs the full pipe (which then accepts or refuses it).
 */
export function fastBody<T extends object>(metatype: abstract new () => T, value: unknown): T | undefined;
export function fastBody(metatype: unknown, value: unknown): object | undefined;
export function fastBody(metatype: unknown, value: unknown): object | undefined {
  const check = FAST_BODY_CHECKS.get(metatype);
  const body = value ?? {}; // as ValidationPipe: no body validates as {}
  if (!check || typeof body !== 'object' || Object.getPrototypeOf(body) !== Object.prototype) return undefined;
  if (!check(body as Record<string, unknown>)) return undefined;
  // What class-transformer builds from a flat body: the class, then each field copied.
  const dto = new (metatype as new () => Record<string, unknown>)();
  for (const name of Object.keys(body)) dto[name] = (body as Record<string, unknown>)[name];
  return dto;
}

/** The validation pipe of both APIs: `@FastBody` DTOs first, class-validator for everything else. */
export class AppValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype) {
      const dto = fastBody(metadata.metatype, value);
      if (dto) return dto;
    }
    return super.transform(value, metadata);
  }
}

/** Validates DTOs (class-validator), rejects unknown fields, and reports each bad field. */
export function createValidationPipe(): ValidationPipe {
  return new AppValidationPipe({
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
