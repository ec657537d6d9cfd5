import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { fastField } from '@leasehold/http';

// A fingerprint is whatever stable id the program derives from the machine (e.g. a hash of
// hardware ids): 8–256 printable ASCII characters without spaces, so it survives a URL path.
const MIN_LENGTH = 8;
const MAX_LENGTH = 256;
const CHARACTERS = /^[\x21-\x7e]+$/;

/** The fingerprint rule for `@FastBody` (the same rule, for the hot routes' bodies). */
export const fastFingerprint = fastField.string(MIN_LENGTH, MAX_LENGTH, 0x21);

export const FINGERPRINT_RULE = `fingerprint must be ${MIN_LENGTH}–${MAX_LENGTH} printable ASCII characters without spaces`;

/** The fingerprint rule, for a fingerprint that does not arrive in a DTO (a path parameter). */
export function isFingerprint(value: string): boolean {
  return value.length >= MIN_LENGTH && value.length <= MAX_LENGTH && CHARACTERS.test(value);
}

/** The `fingerprint` of every client DTO: the one rule, validated and described in OpenAPI. */
export const FingerprintProperty = (description?: string) =>
  applyDecorators(
    ApiProperty({
      example: 'sha256:9f86d081884c7d65',
      minLength: MIN_LENGTH,
      maxLength: MAX_LENGTH,
      ...(description ? { description } : {}),
    }),
    IsString(),
    Length(MIN_LENGTH, MAX_LENGTH),
    Matches(CHARACTERS, { message: 'fingerprint must be printable ASCII without spaces' }),
  );
