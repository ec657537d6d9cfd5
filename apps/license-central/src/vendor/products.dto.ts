import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsEnum, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '@leasehold/db';

const CODE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const CODE_MESSAGE = 'code may contain letters, digits, ".", "_" and "-", starting with a letter or digit';

export class CreateProductDto {
  @ApiProperty({
    example: 'cargo-office',
    description: "The vendor's own product code (e.g. the ERP article number); unique per vendor.",
  })
  @IsString()
  @Length(1, 64)
  @Matches(CODE, { message: CODE_MESSAGE })
  code!: string;

  @ApiProperty({ example: 'Cargo Office' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;
}

export class UpdateProductDto extends PartialType(CreateProductDto) {}

export class ProductListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Case-insensitive substring of the code or name.' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  search?: string;
}

export class ProductDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() code!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class ProductPageDto extends PageMetaDto {
  @ApiProperty({ type: [ProductDto] }) data!: ProductDto[];
}

export enum FeatureKindDto {
  MODULE = 'MODULE',
  OPTION = 'OPTION',
}

export class CreateFeatureDto {
  @ApiProperty({ example: 'export-pdf', description: 'Unique within the product.' })
  @IsString()
  @Length(1, 64)
  @Matches(CODE, { message: CODE_MESSAGE })
  code!: string;

  @ApiProperty({ example: 'PDF export' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ enum: FeatureKindDto, default: FeatureKindDto.MODULE })
  @IsOptional()
  @IsEnum(FeatureKindDto)
  kind?: FeatureKindDto;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;
}

export class UpdateFeatureDto extends PartialType(CreateFeatureDto) {}

export class FeatureListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: FeatureKindDto })
  @IsOptional()
  @IsEnum(FeatureKindDto)
  kind?: FeatureKindDto;

  @ApiPropertyOptional({ description: 'Case-insensitive substring of the code or name.' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  search?: string;
}

export class FeatureDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) productId!: string;
  @ApiProperty() code!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: FeatureKindDto }) kind!: FeatureKindDto;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class FeaturePageDto extends PageMetaDto {
  @ApiProperty({ type: [FeatureDto] }) data!: FeatureDto[];
}
