import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional, IsString, Length } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '@leasehold/db';

export enum IntegrationKindDto {
  ERP = 'ERP',
  CRM = 'CRM',
}

export enum IntegrationStatusDto {
  ACTIVE = 'ACTIVE',
  DISABLED = 'DISABLED',
}

export enum InboundEventStatusDto {
  RECEIVED = 'RECEIVED',
  PROCESSED = 'PROCESSED',
  REJECTED = 'REJECTED',
  FAILED = 'FAILED',
}

export class CreateIntegrationDto {
  @ApiProperty({ example: 'SAP S/4HANA production' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ enum: IntegrationKindDto })
  @IsEnum(IntegrationKindDto)
  kind!: IntegrationKindDto;
}

export class UpdateIntegrationDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({
    enum: IntegrationStatusDto,
    description: 'A DISABLED integration refuses events (INTEGRATION_DISABLED).',
  })
  @IsOptional()
  @IsEnum(IntegrationStatusDto)
  status?: IntegrationStatusDto;
}

export class IntegrationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: IntegrationKindDto }) kind!: IntegrationKindDto;
  @ApiProperty({ enum: IntegrationStatusDto }) status!: IntegrationStatusDto;
  @ApiProperty({ description: 'Raised by every secret rotation.' }) secretVersion!: number;
  @ApiProperty({ example: '/webhooks/erp/0193…', description: 'Where the ERP/CRM posts its signed events.' })
  webhookPath!: string;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class IntegrationWithSecretDto extends IntegrationDto {
  @ApiProperty({ description: 'The HMAC secret (`lhi_…`). Shown only in this answer; store it in the ERP/CRM.' })
  secret!: string;
}

export class IntegrationPageDto extends PageMetaDto {
  @ApiProperty({ type: [IntegrationDto] }) data!: IntegrationDto[];
}

export class InboundEventListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: InboundEventStatusDto })
  @IsOptional()
  @IsEnum(InboundEventStatusDto)
  status?: InboundEventStatusDto;
}

export class InboundEventDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) integrationId!: string;
  @ApiProperty({ nullable: true, type: String, description: "The event's `id` from the body." }) externalEventId!:
    | string
    | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Idempotency-Key header, else the event id; null for rejected events.',
  })
  dedupKey!: string | null;
  @ApiProperty({ nullable: true, type: String }) type!: string | null;
  @ApiProperty({ enum: InboundEventStatusDto }) status!: InboundEventStatusDto;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The body as received (parsed JSON).' })
  payload!: unknown;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'REJECTED: `{ fields }`; FAILED or retried: `{ code, message, details }` of the last attempt.',
  })
  errors!: unknown;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      'PROCESSED: what the event created or changed (ids of the group, user, container, purchases, licenses).',
  })
  result!: unknown;
  @ApiProperty() attempts!: number;
  @ApiProperty() receivedAt!: Date;
  @ApiProperty({ nullable: true, type: Date }) processedAt!: Date | null;
}

export class InboundEventPageDto extends PageMetaDto {
  @ApiProperty({ type: [InboundEventDto] }) data!: InboundEventDto[];
}

export class InboundReceiptDto {
  @ApiProperty({
    format: 'uuid',
    description: 'The stored event (see GET /v1/integrations/{integrationId}/events/{eventId}).',
  })
  id!: string;
  @ApiProperty({ enum: InboundEventStatusDto }) status!: InboundEventStatusDto;
  @ApiProperty({
    description: 'True when this event (same Idempotency-Key or id) had been received before: nothing happens twice.',
  })
  duplicate!: boolean;
}
