import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { FastBody, fastField } from '@leasehold/http';
import { fastFingerprint, FingerprintProperty } from './fingerprint.property';
import { fastKnownRevision, KnownRevisionProperty } from './known-revision.property';

// 32 bytes (a return key) or a SHA-256 (its hash), base64url without padding.
const BASE64URL_32 = /^[A-Za-z0-9_-]{43}$/;
const RETURN_KEY_HASH_DESCRIPTION =
  'With a borrow: base64url(SHA-256(returnKey)), where returnKey is 32 random bytes the program keeps secret. Only a release that presents returnKey frees the seat before borrowUntil; without a hash the seat stays borrowed until borrowUntil. Fixed once the lease is borrowed.';

function ReturnKeyHashProperty(): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({
      example: 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg',
      pattern: BASE64URL_32.source,
      description: RETURN_KEY_HASH_DESCRIPTION,
    })(target, key);
    IsOptional()(target, key);
    IsString()(target, key);
    Matches(BASE64URL_32, { message: 'returnKeyHash must be a SHA-256 in base64url (43 characters)' })(target, key);
  };
}

// borrowUntil (a date for class-transformer) is left to the full pipe.
@FastBody({
  fingerprint: fastFingerprint,
  licenseId: fastField.optional(fastField.uuid()),
  product: fastField.optional(fastField.string(1, 64)),
  clientName: fastField.optional(fastField.string(1, 200)),
  userToken: fastField.optional(fastField.string(1, 4096)),
  returnKeyHash: fastField.optional(fastField.matching(BASE64URL_32)),
  ticketId: fastField.optional(fastField.uuid()),
})
export class CheckoutDto {
  @FingerprintProperty("The device's fingerprint; the same device checking out again gets its live lease back.")
  fingerprint!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The license to use. Give this or `product`.' })
  @IsOptional()
  @IsUUID()
  licenseId?: string;

  @ApiPropertyOptional({
    example: 'cargo-office',
    description: "The product's code: the container's current license of that product. Give this or `licenseId`.",
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  product?: string;

  @ApiPropertyOptional({
    example: 'WS-0142 / jdoe',
    description: 'Host or user name, shown to admins in the session list.',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  clientName?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Borrow (detach) the seat for offline use until then: no heartbeats needed.',
  })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  borrowUntil?: Date;

  @ApiPropertyOptional({
    description:
      "A user-bound credential: the portal access token of the user running the program. On an ENTERPRISE container the lease then records the user (who must be a member of the container's group), so removing or disabling the user ends the lease. A PERSONAL container's lease always records its user.",
  })
  @IsOptional()
  @IsString()
  @Length(1, 4096)
  userToken?: string;

  @ReturnKeyHashProperty()
  returnKeyHash?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'Claim the seat held for this wait-queue ticket of the device (status HELD, within its claim window). docs/seats.md, "Waiting for a seat".',
  })
  @IsOptional()
  @IsUUID()
  ticketId?: string;
}

export class BorrowDto {
  @ApiProperty({
    format: 'date-time',
    description:
      'The new end of the borrow (≤ maxBorrowDays and ≤ offlinePeriodDays from now, ≤ the license expiry; never earlier than a current borrowUntil).',
  })
  @Type(() => Date)
  @IsDate()
  borrowUntil!: Date;

  @ReturnKeyHashProperty()
  returnKeyHash?: string;
}

@FastBody({ returnKey: fastField.optional(fastField.matching(BASE64URL_32)) })
export class ReleaseDto {
  @ApiPropertyOptional({
    example: 'q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA',
    pattern: BASE64URL_32.source,
    description:
      "A borrowed seat only: the program's return key (32 bytes, base64url) whose SHA-256 the borrow committed to. Required to return a borrowed seat before borrowUntil.",
  })
  @IsOptional()
  @IsString()
  @Matches(BASE64URL_32, { message: 'returnKey must be 32 bytes in base64url (43 characters)' })
  returnKey?: string;
}

@FastBody({ knownRevision: fastKnownRevision })
export class HeartbeatDto {
  @KnownRevisionProperty()
  knownRevision?: number | null;
}

export class LeaseDto {
  @ApiProperty({ format: 'uuid' }) leaseId!: string;
  @ApiProperty({ format: 'uuid' }) licenseId!: string;
  @ApiProperty({ format: 'uuid' }) containerId!: string;
  @ApiProperty({ description: 'The seat number within the license.' }) slot!: number;
  @ApiProperty() startedAt!: Date;
  @ApiProperty({
    description: 'The seat stops counting then unless a heartbeat extends it (= borrowUntil when borrowed).',
  })
  expiresAt!: Date;
  @ApiProperty({ description: 'Send a heartbeat about this often.' }) heartbeatIntervalSeconds!: number;
  @ApiProperty({ description: 'How far each heartbeat extends the lease.' }) leaseTtlSeconds!: number;
  @ApiProperty({ nullable: true, type: Date }) borrowUntil!: Date | null;
  @ApiProperty({
    description:
      'Taken above the license\'s quantity, within the vendor\'s overage allowance (docs/seats.md "Overage").',
  })
  overage!: boolean;
}

export class HeartbeatAnswerDto extends LeaseDto {
  @ApiProperty({
    description: "The container's revision: the sum of its licenses' revisions (as GET /client/v1/updates).",
  })
  revision!: number;
  @ApiProperty({
    description: 'True when `knownRevision` was given and differs from `revision`: fetch the license again.',
  })
  updateAvailable!: boolean;
}
