import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { KnownRevisionProperty } from './known-revision.property';

// The same fingerprint rule as activations (printable ASCII, no spaces, 8–256 characters).
const FINGERPRINT = /^[\x21-\x7e]+$/;
const FINGERPRINT_MESSAGE = 'fingerprint must be printable ASCII without spaces';

export class CheckoutDto {
  @ApiProperty({ example: 'sha256:9f86d081884c7d65', minLength: 8, maxLength: 256, description: "The device's fingerprint; the same device checking out again gets its live lease back." })
  @IsString()
  @Length(8, 256)
  @Matches(FINGERPRINT, { message: FINGERPRINT_MESSAGE })
  fingerprint!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The license to use. Give this or `product`.' })
  @IsOptional()
  @IsUUID()
  licenseId?: string;

  @ApiPropertyOptional({ example: 'cargo-office', description: "The product's code: the container's current license of that product. Give this or `licenseId`." })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  product?: string;

  @ApiPropertyOptional({ example: 'WS-0142 / jdoe', description: 'Host or user name, shown to admins in the session list.' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  clientName?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Borrow (detach) the seat for offline use until then: no heartbeats needed.' })
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
}

export class BorrowDto {
  @ApiProperty({ format: 'date-time', description: 'The new end of the borrow (≤ maxBorrowDays from now, ≤ the license expiry).' })
  @Type(() => Date)
  @IsDate()
  borrowUntil!: Date;
}

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
  @ApiProperty({ description: 'The seat stops counting then unless a heartbeat extends it (= borrowUntil when borrowed).' }) expiresAt!: Date;
  @ApiProperty({ description: 'Send a heartbeat about this often.' }) heartbeatIntervalSeconds!: number;
  @ApiProperty({ description: 'How far each heartbeat extends the lease.' }) leaseTtlSeconds!: number;
  @ApiProperty({ nullable: true, type: Date }) borrowUntil!: Date | null;
}

export class HeartbeatAnswerDto extends LeaseDto {
  @ApiProperty({ description: "The container's revision: the sum of its licenses' revisions (as GET /client/v1/updates)." }) revision!: number;
  @ApiProperty({ description: 'True when `knownRevision` was given and differs from `revision`: fetch the license again.' }) updateAvailable!: boolean;
}

export class EndedLeaseDto {
  @ApiProperty({ format: 'uuid' }) leaseId!: string;
  @ApiProperty({ format: 'uuid' }) licenseId!: string;
  @ApiProperty() endedAt!: Date;
  @ApiProperty({ enum: ['RELEASED', 'EXPIRED', 'STOPPED', 'RETURNED', 'USER_REMOVED', 'LICENSE_CHANGED'] }) endReason!: string;
}
