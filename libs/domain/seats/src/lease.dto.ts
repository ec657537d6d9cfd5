import { ApiProperty } from '@nestjs/swagger';
import { LeaseEndReason, PageMetaDto } from '@leasehold/db';
import type { EndedLeaseView, SessionView } from './seats.types';

// The HTTP shapes of a lease (one program's hold on a seat), shared by the vendor API and the
// portal, so each schema name means one thing in both OpenAPI documents (docs/glossary.md). The
// routes that list live leases keep "sessions" in their paths: it is a published API.

/** A live lease: a program holding an unexpired seat of a license. */
export class LiveLeaseDto {
  @ApiProperty({ format: 'uuid', description: 'The lease id: stop the lease with it.' }) id!: string;
  @ApiProperty({ format: 'uuid' }) licenseId!: string;
  @ApiProperty({ format: 'uuid' }) containerId!: string;
  @ApiProperty({ description: 'The seat number within the license.' }) slot!: number;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) deviceId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The activated device (PERSONAL containers).' })
  deviceName!: string | null;
  @ApiProperty({ description: "The device's fingerprint." }) fingerprint!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Who: the host or user name the program reported.' })
  clientName!: string | null;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'Who: the user of a PERSONAL container, when known.',
  })
  userId!: string | null;
  @ApiProperty({ description: 'Since when.' }) startedAt!: Date;
  @ApiProperty() lastHeartbeatAt!: Date;
  @ApiProperty({ description: 'The seat is free at this time unless a heartbeat extends it.' }) expiresAt!: Date;
  @ApiProperty({
    description: 'A borrowed (detached) seat cannot be stopped: it ends when returned or at `borrowUntil`.',
  })
  borrowed!: boolean;
  @ApiProperty({ nullable: true, type: Date }) borrowUntil!: Date | null;
  @ApiProperty({ description: 'Checked out above the quantity (overage).' }) overage!: boolean;
}

export class LiveLeasePageDto extends PageMetaDto {
  @ApiProperty({ type: [LiveLeaseDto] }) data!: LiveLeaseDto[];
}

/** A lease that has ended, and why (a release, a stop, an expiry, a return). */
export class EndedLeaseDto {
  @ApiProperty({ format: 'uuid' }) leaseId!: string;
  @ApiProperty({ format: 'uuid' }) licenseId!: string;
  @ApiProperty() endedAt!: Date;
  @ApiProperty({ enum: LeaseEndReason }) endReason!: string;
}

/** The answer to stopping a live lease: it ended with reason STOPPED. */
export class StoppedLeaseDto {
  @ApiProperty({ format: 'uuid' }) leaseId!: string;
  @ApiProperty({ format: 'uuid' }) licenseId!: string;
  @ApiProperty() endedAt!: Date;
  @ApiProperty({ enum: ['STOPPED'] }) endReason!: string;
}

/** Exactly the fields of LiveLeaseDto (nothing else of the view reaches the answer). */
export const toLiveLeaseDto = (s: SessionView): LiveLeaseDto => ({
  id: s.id,
  licenseId: s.licenseId,
  containerId: s.containerId,
  slot: s.slot,
  deviceId: s.deviceId,
  deviceName: s.deviceName,
  fingerprint: s.fingerprint,
  clientName: s.clientName,
  userId: s.userId,
  startedAt: s.startedAt,
  lastHeartbeatAt: s.lastHeartbeatAt,
  expiresAt: s.expiresAt,
  borrowed: s.borrowed,
  borrowUntil: s.borrowUntil,
  overage: s.overage,
});

export const toEndedLeaseDto = (e: EndedLeaseView): EndedLeaseDto => ({
  leaseId: e.leaseId,
  licenseId: e.licenseId,
  endedAt: e.endedAt,
  endReason: e.endReason,
});
