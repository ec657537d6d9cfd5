import { ApiProperty } from '@nestjs/swagger';
import { PageMetaDto, RenewalPolicy, RenewalStatus } from '@leasehold/db';

export class RenewalDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) licenseId!: string;
  @ApiProperty({ description: 'The expiresAt this renewal extends (one renewal per license and term).' })
  termEnd!: Date;
  @ApiProperty({ enum: RenewalPolicy }) policy!: string;
  @ApiProperty({ enum: RenewalStatus }) status!: string;
  @ApiProperty({ nullable: true, type: Date }) newExpiresAt!: Date | null;
  @ApiProperty({ description: 'ERP: how many times renewal.due was sent.' }) attempts!: number;
  @ApiProperty({ nullable: true, type: Date }) lastRequestedAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) completedAt!: Date | null;
  @ApiProperty({ nullable: true, type: String }) failureReason!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class RenewalPageDto extends PageMetaDto {
  @ApiProperty({ type: [RenewalDto] }) data!: RenewalDto[];
}
