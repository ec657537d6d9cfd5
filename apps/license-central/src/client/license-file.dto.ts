import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { FingerprintProperty } from './fingerprint.property';

export class LicenseFileQueryDto {
  @FingerprintProperty('This device’s fingerprint; the file is bound to it.')
  fingerprint!: string;

  @ApiPropertyOptional({
    example: 'cargo-office',
    description: 'Product code, when the container holds licenses of several products.',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  product?: string;
}

export class LicenseFileDto {
  @ApiProperty({ example: 'leasehold-license/1' }) format!: string;
  @ApiProperty({
    description: 'Which of the vendor’s public keys (GET /client/v1/vendors/{vendorId}/signing-keys) verifies it.',
  })
  keyId!: string;
  @ApiProperty({ description: 'base64url of the UTF-8 JSON license payload (docs/license-file-format.md).' })
  payload!: string;
  @ApiProperty({ description: 'base64url Ed25519 signature over the ASCII bytes of `format + "." + payload`.' })
  signature!: string;
}
