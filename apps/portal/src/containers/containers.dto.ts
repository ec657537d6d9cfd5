import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional } from 'class-validator';
import {
  PERSONAL_DEVICE_LIMIT,
  type ContainerView,
  type ContainerWithSecret,
  type LicenseWithProductView,
} from '@leasehold/domain-licensing';
import { ContainerKind, LicenseStatus, PageMetaDto, PageQueryDto } from '@leasehold/db';

export class ContainerListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ContainerKind })
  @IsOptional()
  @IsEnum(ContainerKind)
  kind?: ContainerKind;
}

export class ProductRefDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'cargo-office' }) code!: string;
  @ApiProperty({ example: 'Cargo Office' }) name!: string;
}

export class ContainerLicenseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: ProductRefDto }) product!: ProductRefDto;
  @ApiProperty({
    type: [String],
    example: ['export-pdf'],
    description: 'Enabled features (modules, options) of the product.',
  })
  features!: string[];
  @ApiProperty({ description: 'PERSONAL: devices that may run at once. ENTERPRISE: concurrent seats.' })
  quantity!: number;
  @ApiProperty() validFrom!: Date;
  @ApiProperty({ nullable: true, type: Date, description: 'End of validity; null: no end.' }) expiresAt!: Date | null;
  @ApiProperty({ enum: LicenseStatus }) status!: LicenseStatus;
  @ApiProperty({ description: 'Rises with every change of the license.' }) revision!: number;
  @ApiProperty({ description: 'Seats may be borrowed (detached) for offline use.' }) borrowAllowed!: boolean;
  @ApiProperty() maxBorrowDays!: number;
  @ApiProperty({
    description:
      'Days a machine may run without contacting the server: bounds offline activations, borrows and license files.',
  })
  offlinePeriodDays!: number;
}

export class ContainerDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({
    enum: ContainerKind,
    description: `PERSONAL: one user, up to ${PERSONAL_DEVICE_LIMIT} devices. ENTERPRISE: the group, concurrent seats.`,
  })
  kind!: ContainerKind;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'PERSONAL: the user it is assigned to.' })
  userId!: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) groupId!: string | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'PERSONAL: distinct active devices allowed. ENTERPRISE: null (it hands out seats, not device slots).',
  })
  deviceLimit!: number | null;
  @ApiProperty({ description: 'The access secret starts with `lhc_<credentialPrefix>_`.' }) credentialPrefix!: string;
  @ApiProperty({ description: 'Raised by every credential reset.' }) credentialVersion!: number;
  @ApiProperty({
    nullable: true,
    type: Date,
    description:
      "Set when the container's user was disabled (a removed user's container leaves the group): it no longer works.",
  })
  accessRevokedAt!: Date | null;
  @ApiProperty({ nullable: true, enum: ['USER_REMOVED', 'USER_DISABLED'], description: 'Why access was revoked.' })
  accessRevokedReason!: 'USER_REMOVED' | 'USER_DISABLED' | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
  @ApiProperty({ type: [ContainerLicenseDto] }) licenses!: ContainerLicenseDto[];
}

export class ContainerPageDto extends PageMetaDto {
  @ApiProperty({ type: [ContainerDto] }) data!: ContainerDto[];
}

export class ResetCredentialsDto {
  @ApiProperty({ format: 'uuid' }) containerId!: string;
  @ApiProperty() credentialPrefix!: string;
  @ApiProperty({ description: 'Raised by one with every reset.' }) credentialVersion!: number;
  @ApiProperty({
    description:
      'The new access secret (`lhc_…`): shown in this answer only, only its hash is stored. Devices re-link with it and keep their activation.',
  })
  secret!: string;
}

export const toContainerLicenseDto = (l: LicenseWithProductView): ContainerLicenseDto => ({
  id: l.id,
  product: l.product,
  features: l.features,
  quantity: l.quantity,
  validFrom: l.validFrom,
  expiresAt: l.expiresAt,
  status: l.status,
  revision: l.revision,
  borrowAllowed: l.borrowAllowed,
  maxBorrowDays: l.maxBorrowDays,
  offlinePeriodDays: l.offlinePeriodDays,
});

export const toContainerDto = (c: ContainerView, licenses: LicenseWithProductView[]): ContainerDto => ({
  id: c.id,
  kind: c.kind,
  name: c.name,
  userId: c.userId,
  groupId: c.groupId,
  deviceLimit: c.deviceLimit,
  credentialPrefix: c.credentialPrefix,
  credentialVersion: c.credentialVersion,
  accessRevokedAt: c.accessRevokedAt,
  accessRevokedReason: c.accessRevokedReason,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
  licenses: licenses.filter((l) => l.containerId === c.id).map(toContainerLicenseDto),
});

export const toResetCredentialsDto = (c: ContainerWithSecret): ResetCredentialsDto => ({
  containerId: c.id,
  credentialPrefix: c.credentialPrefix,
  credentialVersion: c.credentialVersion,
  secret: c.secret,
});
