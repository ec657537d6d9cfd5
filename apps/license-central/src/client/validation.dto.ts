import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { VALIDATION_CODES } from '@leasehold/domain-licensing';
import { LicenseStatus } from '@leasehold/db';

export class SignedEnvelopeDto {
  @ApiProperty({ example: 'leasehold-validation/1' }) format!: string;
  @ApiProperty({
    description: 'Which of the vendor’s public keys (GET /client/v1/vendors/{vendorId}/signing-keys) verifies it.',
  })
  keyId!: string;
  @ApiProperty({ description: 'base64url of the UTF-8 JSON payload (the answer without `envelope`).' })
  payload!: string;
  @ApiProperty({ description: 'base64url Ed25519 signature over the ASCII bytes of `format + "." + payload`.' })
  signature!: string;
}

export class ValidationLicenseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) productId!: string;
  @ApiProperty({ description: 'Product code.' }) product!: string;
  @ApiProperty({ type: [String] }) features!: string[];
  @ApiProperty() quantity!: number;
  @ApiProperty({ enum: LicenseStatus }) status!: string;
  @ApiProperty({ format: 'date-time' }) validFrom!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) expiresAt!: string | null;
  @ApiProperty() revision!: number;
}

export class ValidationAvailabilityDto {
  @ApiProperty({ description: 'Seats of the license.' }) quantity!: number;
  @ApiProperty({
    description:
      'Seats the license may hand out at once: its quantity plus the overage allowance, if the vendor set one (docs/seats.md).',
  })
  capacity!: number;
  @ApiProperty({ description: 'Seats held right now.' }) inUse!: number;
  @ApiProperty({
    description:
      "Seats a checkout (no queue ticket) by this program's user could take now, by the checkout's own rule: up to the capacity, none held for a wait-queue ticket or while tickets wait, and none of the seats reserved for other users (a reserved user, identified by `userToken`, sees their reservation's unused seats).",
  })
  available!: number;
}

export class ValidationAnswerDto {
  @ApiProperty({ enum: VALIDATION_CODES }) code!: string;
  @ApiProperty() valid!: boolean;
  @ApiProperty({ format: 'uuid' }) vendorId!: string;
  @ApiProperty({ format: 'uuid' }) containerId!: string;
  @ApiProperty() fingerprint!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) feature!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) nonce!: string | null;
  @ApiProperty({ type: ValidationLicenseDto, nullable: true }) license!: ValidationLicenseDto | null;
  @ApiProperty({
    type: ValidationAvailabilityDto,
    nullable: true,
    description:
      'For a license whose use is counted (ENTERPRISE; PERSONAL with quantity below the active devices): VALID only while this device holds a seat, else CHECKOUT_REQUIRED with this availability. Null when not counted.',
  })
  availability!: ValidationAvailabilityDto | null;
  @ApiProperty({
    description: "The container's revision: the sum of its licenses' revisions (as GET /client/v1/updates).",
  })
  revision!: number;
  @ApiProperty({
    description: 'True when `knownRevision` was given and differs from `revision`: fetch the license file again.',
  })
  updateAvailable!: boolean;
  @ApiProperty({ format: 'date-time' }) issuedAt!: string;
  @ApiProperty({ type: SignedEnvelopeDto }) envelope!: SignedEnvelopeDto;
}
