import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsEnum,
  IsIn,
  IsOptional,
  IsString,
  IsUrl,
  MaxLength,
} from 'class-validator';
import { DOMAIN_EVENT_TYPES } from '@leasehold/domain-events';
import { PageMetaDto, PageQueryDto } from '@leasehold/db';

const EVENT_SELECTORS = ['*', ...DOMAIN_EVENT_TYPES] as const;
const URL_OPTIONS = { protocols: ['https', 'http'], require_protocol: true, require_tld: false, require_host: true };

export enum WebhookEndpointStatusDto {
  ACTIVE = 'ACTIVE',
  DISABLED = 'DISABLED',
}

export enum WebhookDeliveryStatusDto {
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}

export class CreateWebhookEndpointDto {
  @ApiProperty({
    example: 'https://erp.example.com/leasehold/webhooks',
    description: 'https in production; no private, loopback, link-local or metadata addresses.',
  })
  @IsString()
  @MaxLength(2000)
  @IsUrl(URL_OPTIONS)
  url!: string;

  @ApiProperty({
    type: [String],
    enum: EVENT_SELECTORS,
    example: ['license.created', 'license.changed'],
    description: 'Event types to receive, or ["*"] for all.',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsIn(EVENT_SELECTORS, {
    each: true,
    message: 'each value in eventTypes must be "*" or an event type of the catalogue',
  })
  eventTypes!: (typeof EVENT_SELECTORS)[number][];

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ example: 'https://erp.example.com/leasehold/webhooks' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @IsUrl(URL_OPTIONS)
  url?: string;

  @ApiPropertyOptional({ type: [String], enum: EVENT_SELECTORS })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsIn(EVENT_SELECTORS, {
    each: true,
    message: 'each value in eventTypes must be "*" or an event type of the catalogue',
  })
  eventTypes?: (typeof EVENT_SELECTORS)[number][];

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({
    enum: WebhookEndpointStatusDto,
    description: 'ACTIVE re-enables a disabled endpoint and clears its failure record.',
  })
  @IsOptional()
  @IsEnum(WebhookEndpointStatusDto)
  status?: WebhookEndpointStatusDto;
}

export class WebhookEndpointListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: WebhookEndpointStatusDto })
  @IsOptional()
  @IsEnum(WebhookEndpointStatusDto)
  status?: WebhookEndpointStatusDto;
}

export class WebhookDeliveryListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: WebhookDeliveryStatusDto })
  @IsOptional()
  @IsEnum(WebhookDeliveryStatusDto)
  status?: WebhookDeliveryStatusDto;
}

export class WebhookEndpointDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ type: [String] }) eventTypes!: string[];
  @ApiProperty({ enum: WebhookEndpointStatusDto }) status!: WebhookEndpointStatusDto;
  @ApiProperty({ nullable: true, type: Date }) disabledAt!: Date | null;
  @ApiProperty({ nullable: true, type: String }) disabledReason!: string | null;
  @ApiProperty({ description: 'Deliveries given up in a row since the last successful attempt.' })
  consecutiveFailures!: number;
  @ApiProperty({
    nullable: true,
    type: Date,
    description: 'Start of the current run of failed attempts; null while healthy.',
  })
  failingSince!: Date | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class WebhookEndpointWithSecretDto extends WebhookEndpointDto {
  @ApiProperty({ example: 'whsec_…', description: 'The signing secret. Shown only now; store it.' }) secret!: string;
}

export class WebhookEndpointPageDto extends PageMetaDto {
  @ApiProperty({ type: [WebhookEndpointDto] }) data!: WebhookEndpointDto[];
}

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) endpointId!: string;
  @ApiProperty({
    format: 'uuid',
    description: 'The event id: the `id` of the body and the `Leasehold-Webhook-Id` header.',
  })
  eventId!: string;
  @ApiProperty() eventType!: string;
  @ApiProperty({ enum: WebhookDeliveryStatusDto }) status!: WebhookDeliveryStatusDto;
  @ApiProperty({ description: 'Attempts made so far.' }) attempts!: number;
  @ApiProperty({ nullable: true, type: Date }) nextAttemptAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) lastAttemptAt!: Date | null;
  @ApiProperty({ nullable: true, type: Number }) lastStatusCode!: number | null;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({ nullable: true, type: Date }) completedAt!: Date | null;
  @ApiProperty() createdAt!: Date;
}

export class WebhookAttemptDto {
  @ApiProperty() number!: number;
  @ApiProperty() startedAt!: Date;
  @ApiProperty({ description: 'Latency in milliseconds.' }) durationMs!: number;
  @ApiProperty() succeeded!: boolean;
  @ApiProperty({ nullable: true, type: Number }) statusCode!: number | null;
  @ApiProperty({ nullable: true, type: String, description: 'The first bytes of the response body.' })
  responseExcerpt!: string | null;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
}

export class WebhookDeliveryDetailDto extends WebhookDeliveryDto {
  @ApiProperty({ type: [WebhookAttemptDto] }) attemptLog!: WebhookAttemptDto[];
}

export class WebhookDeliveryPageDto extends PageMetaDto {
  @ApiProperty({ type: [WebhookDeliveryDto] }) data!: WebhookDeliveryDto[];
}
